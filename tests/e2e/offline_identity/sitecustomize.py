"""Entra ID offline, for the end-to-end programs: loaded at interpreter start-up.

test_to_openai_e2e.py puts this folder on PYTHONPATH for scenarios that ask for
``"fake_entra": true``.  It makes azure-identity's credential classes hand out a
static token instead of signing in (there is no network and no tenant here); the
token names the scopes it was asked for, so the fake server sees which scope a
client requested.  Everything else (azure-core's BearerTokenCredentialPolicy,
azure.identity.get_bearer_token_provider, the aio variants, openai's callable
api_key) is the real code.
"""

import time

try:
    import azure.identity
    import azure.identity.aio
    from azure.core.credentials import AccessToken, AccessTokenInfo
except ImportError:  # nothing to fake
    pass
else:
    _LIFETIME = 3600
    _CLASSES = (
        "DefaultAzureCredential",
        "AzureCliCredential",
        "ManagedIdentityCredential",
        "ClientSecretCredential",
        "EnvironmentCredential",
    )

    def _token(scopes):
        return "entra-token:" + " ".join(scopes)

    def get_token(self, *scopes, **kwargs):
        return AccessToken(_token(scopes), int(time.time()) + _LIFETIME)

    def get_token_info(self, *scopes, options=None):
        return AccessTokenInfo(_token(scopes), int(time.time()) + _LIFETIME)

    async def aget_token(self, *scopes, **kwargs):
        return get_token(self, *scopes)

    async def aget_token_info(self, *scopes, options=None):
        return get_token_info(self, *scopes)

    for _name in _CLASSES:
        for _module, (_get, _info) in (
            (azure.identity, (get_token, get_token_info)),
            (azure.identity.aio, (aget_token, aget_token_info)),
        ):
            _cls = getattr(_module, _name, None)
            if _cls is not None:
                _cls.get_token = _get
                _cls.get_token_info = _info
