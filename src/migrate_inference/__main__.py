from migrate_inference.cli import main

raise SystemExit(main())
