"""Secrets are compared in constant time: a wrong secret as long as the right one, differing in
one character, is refused like any other (tokens, CSRF); and no ``==`` or ``!=`` in the hub
compares a value named like a secret, except the public hashes listed here with the reason."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import AuthError, Role
from hub.settings import KhoSettings
from tests.paths import PROJECT_ROOT

SECRET_NAME = re.compile(
    r"secret|digest|sha256|csrf|signature|password|passwd|verifier|nonce|hmac|signing_key"
    r"|pseudonym_key|api_key",
    re.IGNORECASE,
)
PUBLIC_HASHES = {
    ("hub/audit/log.py", "c.hash == digest"): "the audit chain's hashes are public",
    (
        "hub/audit/verify.py",
        "entry.content.digest(entry.prev_hash) == entry.hash",
    ): "the audit chain's hashes are public",
    (
        "hub/ingest/idempotency.py",
        "row.request_sha256 != request_sha256",
    ): "a request body's hash, to tell a retry from another body under the same key",
    (
        "hub/provide_once/evidence.py",
        "stored.content_sha256 == content",
    ): "an evidence file's content hash, to tell a new version from the same",
    ("hub/registry/embedded.py", "row.fingerprint == digest"): "a schema's fingerprint",
    ("hub/registry/embedded.py", "schemas_table.c.fingerprint == digest"): "a schema's fingerprint",
    ("hub/registry/ensure.py", "stored == digest"): "the catalogue's schema digest",
    (
        "hub/provide_once/prefill_reads.py",
        "_t.secret_sha256 == sa.bindparam('digest')",
    ): "in SQL, the SHA-256 of the sent secret gates the subject's rows: a caller cannot pick"
    " the digest's bytes, so the comparison's timing tells nothing of the stored one; the secret"
    " is then checked with hmac.compare_digest from the row",
}


def one_character_off(secret: str) -> str:
    last = "A" if secret[-1] != "A" else "B"
    return secret[:-1] + last


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    opened = build_hub(KhoSettings(data_dir=tmp_path_factory.mktemp("constant-time") / "kho"))
    yield opened
    opened.close()


def test_a_token_one_character_off_is_refused(hub: Hub) -> None:
    """Same id, same length, only the last character of the secret differs; and another live
    token's secret under this id."""
    issued = hub.tokens.create("vp-ubnd", frozenset({Role.CONSUMER}))
    other = hub.tokens.create("vp-ubnd", frozenset({Role.CONSUMER}))
    assert hub.tokens.authenticate(issued.plaintext).token_id == issued.token_id
    other_secret = other.plaintext.removeprefix(f"kho_{other.token_id}_")  # may hold a "_"
    swapped = f"kho_{issued.token_id}_{other_secret}"
    for forged in (one_character_off(issued.plaintext), swapped):
        assert len(forged) == len(issued.plaintext)
        with pytest.raises(AuthError) as refused:
            hub.tokens.authenticate(forged)
        assert refused.value.reason == "unknown_token"


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    with TestClient(build_app(hub), follow_redirects=False) as client:
        yield client


def test_a_csrf_token_one_character_off_is_refused(client: TestClient) -> None:
    page = client.get("/dang-nhap")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    form = {"person": "cong-dan-082095000123", "next": "/tai-khoan"}
    forged = one_character_off(found.group(1))
    assert client.post("/dang-nhap", data={**form, "csrf_token": forged}).status_code == 403
    assert client.post("/dang-nhap", data={**form, "csrf_token": found.group(1)}).status_code == 303


def secret_comparisons(root: Path) -> Iterator[tuple[str, str]]:
    """Every ``==``/``!=`` under ``root/hub`` with an operand named like a secret (a name, an
    attribute or a string subscript), other than a comparison with a literal or of two
    ``is None`` tests."""
    for path in sorted((root / "hub").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare):
                continue
            if not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
                continue
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Constant | ast.Compare) for o in operands):
                continue
            if any(SECRET_NAME.search(name) for o in operands for name in _names(o)):
                yield path.relative_to(root).as_posix(), ast.unparse(node)


def _names(node: ast.AST) -> Iterator[str]:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name):
            yield inner.id
        elif isinstance(inner, ast.Attribute):
            yield inner.attr
        elif isinstance(inner, ast.Subscript) and isinstance(inner.slice, ast.Constant):
            yield str(inner.slice.value)


def test_no_secret_is_compared_with_equality() -> None:
    """A new comparison of something named like a secret fails here: use hmac.compare_digest,
    or, for a public hash, add it to PUBLIC_HASHES with the reason."""
    assert set(secret_comparisons(PROJECT_ROOT)) - PUBLIC_HASHES.keys() == set()


def test_the_check_sees_a_secret_compared_with_equality(tmp_path: Path) -> None:
    module = tmp_path / "hub" / "auth" / "check.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "def ok(sent, row):\n    return row['secret_sha256'] == sent\n", encoding="utf-8"
    )
    assert list(secret_comparisons(tmp_path)) == [
        ("hub/auth/check.py", "row['secret_sha256'] == sent")
    ]
