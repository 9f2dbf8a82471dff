"""The kafka-python adapter of hub.acl: ACL values both ways, and the broker's answers turned
into Kho's errors (checked by hand once against a broker without an authorizer)."""

from __future__ import annotations

from typing import Any

import kafka.errors
import pytest
from kafka.admin import ScramMechanism

from hub.acl import AclError, AclUnsupported, Operation, PatternType, Permission, ResourceType
from hub.acl.kafka_admin import KafkaAclAdmin, _acl, _binding
from hub.acl.model import AclBinding, allow
from hub.bus.kafka_url import parse_kafka_url

CONNECTION = parse_kafka_url("kafka://kho:kho@127.0.0.1:1")


class StubClient:
    """Stands in for KafkaAdminClient: answers with what a test gives it."""

    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.calls: list[tuple[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any) -> Any:
            self.calls.append((name, args))
            answer = self.answers[name]
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call

    def close(self) -> None:
        pass


def admin_with(client: StubClient) -> KafkaAclAdmin:
    admin = KafkaAclAdmin(CONNECTION)
    admin._admin = client  # the seam: the client is otherwise created on first use
    return admin


@pytest.mark.parametrize(
    "binding",
    [
        allow("User:so-yt", ResourceType.TOPIC, "tthc.dossiers", Operation.READ),
        allow("User:so-yt", ResourceType.GROUP, "so-yt.", Operation.READ, PatternType.PREFIXED),
        AclBinding(
            "User:*",
            ResourceType.CLUSTER,
            "kafka-cluster",
            PatternType.LITERAL,
            Operation.IDEMPOTENT_WRITE,
            Permission.DENY,
            "10.0.0.1",
        ),
    ],
)
def test_bindings_survive_the_round_trip(binding: AclBinding) -> None:
    """An AclBinding made into a kafka-python ACL and read back is the same value."""
    assert _binding(_acl(binding)) == binding


def test_no_authorizer_is_a_clear_refusal() -> None:
    """SecurityDisabledError (a broker without authorizer.class.name) becomes AclUnsupported
    naming the broker and the setting."""
    admin = admin_with(StubClient(describe_acls=kafka.errors.SecurityDisabledError("off")))
    with pytest.raises(AclUnsupported, match="authorizer.class.name") as refused:
        admin.acls()
    assert "127.0.0.1:1" in str(refused.value)


def test_refused_creations_are_an_acl_error() -> None:
    """A failed creation is reported with the broker's error names."""
    failed = {"succeeded": [], "failed": [kafka.errors.ClusterAuthorizationFailedError]}
    admin = admin_with(StubClient(create_acls=failed))
    binding = allow("User:a", ResourceType.TOPIC, "t", Operation.READ)
    with pytest.raises(AclError, match="ClusterAuthorizationFailedError"):
        admin.create([binding])


def test_rotation_drops_a_scram_sha_256_credential() -> None:
    """Setting a password upserts SCRAM-SHA-512 and deletes the user's SCRAM-SHA-256
    credential, so an older password cannot keep working through it."""
    described = {
        "so-yt": {
            "error": None,
            "credential_infos": [
                {"mechanism": ScramMechanism.SCRAM_SHA_256, "iterations": 4096},
            ],
        }
    }
    client = StubClient(
        describe_user_scram_credentials=described,
        alter_user_scram_credentials={"so-yt": None},
    )
    admin_with(client).set_scram_password("so-yt", "new-password")
    (changes,) = next(args for name, args in client.calls if name == "alter_user_scram_credentials")
    assert [type(c).__name__ for c in changes] == [
        "UserScramCredentialUpsertion",
        "UserScramCredentialDeletion",
    ]
    assert {c.mechanism for c in changes} == {
        ScramMechanism.SCRAM_SHA_512,
        ScramMechanism.SCRAM_SHA_256,
    }
