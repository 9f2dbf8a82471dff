"""Who is calling: API tokens scoped to one agency and its roles."""

from hub.auth.tokens import AuthError, Credential, Role, TokenStore

__all__ = ["AuthError", "Credential", "Role", "TokenStore"]
