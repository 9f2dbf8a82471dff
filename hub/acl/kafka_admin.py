"""ACLs and SCRAM credentials on Kafka, through kafka-python's admin client.

Like ``hub.bus.kafka``, this module imports ``kafka`` and translates its errors at the edge: the
rest of ``hub.acl`` sees ``AclBinding`` values and ``AclError``. The client is created on first
use, not in ``__init__``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import kafka
import kafka.errors
from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ResourcePattern,
    ResourcePatternFilter,
    ScramMechanism,
    UserScramCredentialDeletion,
    UserScramCredentialUpsertion,
)
from kafka.admin import ResourceType as KafkaResourceType

from hub.acl.errors import AclError, AclUnsupported
from hub.acl.model import AclBinding, Operation, PatternType, Permission, ResourceType
from hub.bus.kafka import close_quietly, hub_client_options, raise_from_kafka_error
from hub.bus.kafka_url import KafkaConnection

SCRAM_MECHANISM = "SCRAM-SHA-512"
_T = TypeVar("_T")


class KafkaAclAdmin:
    """The cluster's ACLs and users, administered as the hub's (super) user."""

    def __init__(self, connection: KafkaConnection, *, client_id: str = "kho-acl") -> None:
        self._connection = connection
        self._options = hub_client_options(connection, client_id)
        self._admin: Any = None

    def acls(self) -> set[AclBinding]:
        everything = ACLFilter(
            principal=None,
            host=None,
            operation=ACLOperation.ANY,
            permission_type=ACLPermissionType.ANY,
            resource_pattern=ResourcePatternFilter(
                KafkaResourceType.ANY, None, ACLResourcePatternType.ANY
            ),
        )
        found, _ = self._call(lambda: self._client().describe_acls(everything))
        return {_binding(acl) for acl in found if _binding_known(acl)}

    def create(self, bindings: Sequence[AclBinding]) -> None:
        if not bindings:
            return
        result = self._call(lambda: self._client().create_acls([_acl(b) for b in bindings]))
        if result["failed"]:
            errors = ", ".join(sorted({getattr(e, "__name__", str(e)) for e in result["failed"]}))
            raise AclError(f"Kafka không tạo được {len(result['failed'])} ACL: {errors}")

    def delete(self, bindings: Sequence[AclBinding]) -> None:
        if not bindings:
            return
        filters = [_acl(b) for b in bindings]  # an ACL is also an exact filter
        results = self._call(lambda: self._client().delete_acls(filters))
        failed = [error for _, _, error in results if error is not kafka.errors.NoError]
        if failed:
            names = ", ".join(sorted({e.__name__ for e in failed}))
            raise AclError(f"Kafka không xoá được {len(failed)} ACL: {names}")

    def set_scram_password(self, user: str, password: str) -> None:
        """Create or replace ``user``'s SCRAM-SHA-512 credential; delete a SCRAM-SHA-256 one,
        so that no older password keeps working through the other mechanism."""

        def alter() -> dict[str, str | None]:
            client = self._client()
            existing = client.describe_user_scram_credentials()
            mechanisms = {
                info["mechanism"] for info in existing.get(user, {}).get("credential_infos", [])
            }
            changes: list[Any] = [
                UserScramCredentialUpsertion(user, ScramMechanism.SCRAM_SHA_512, password)
            ]
            if ScramMechanism.SCRAM_SHA_256 in mechanisms:
                changes.append(UserScramCredentialDeletion(user, ScramMechanism.SCRAM_SHA_256))
            result: dict[str, str | None] = client.alter_user_scram_credentials(changes)
            return result

        errors = {u: e for u, e in self._call(alter).items() if e}
        if errors:
            raise AclError(f"Kafka không đặt được mật khẩu cho {user!r}: {errors[user]}")

    def close(self) -> None:
        close_quietly(self._admin)
        self._admin = None

    def _client(self) -> Any:
        if self._admin is None:
            self._admin = kafka.KafkaAdminClient(**self._options)
        return self._admin

    def _call(self, operation: Callable[[], _T]) -> _T:
        try:
            return operation()
        except kafka.errors.SecurityDisabledError as exc:
            raise AclUnsupported(
                f"Kafka {self._connection.bootstrap} không bật bộ phân quyền (authorizer), nên"
                " không có ACL để đồng bộ; cấu hình authorizer.class.name=org.apache.kafka"
                ".metadata.authorizer.StandardAuthorizer (xem scripts/services/kafka.sh)"
            ) from exc
        except kafka.errors.KafkaError as exc:
            raise_from_kafka_error(exc, self._connection)


def _acl(binding: AclBinding) -> Any:
    return ACL(
        principal=binding.principal,
        host=binding.host,
        operation=ACLOperation[binding.operation.value],
        permission_type=ACLPermissionType[binding.permission.value],
        resource_pattern=ResourcePattern(
            KafkaResourceType[binding.resource_type.value],
            binding.resource_name,
            ACLResourcePatternType[binding.pattern_type.value],
        ),
    )


def _binding_known(acl: Any) -> bool:
    """Whether every field of a described ACL has a name in ``hub.acl.model``."""
    return (
        acl.resource_pattern.resource_type.name in ResourceType.__members__
        and acl.resource_pattern.pattern_type.name in PatternType.__members__
        and acl.operation.name in Operation.__members__
        and acl.permission_type.name in Permission.__members__
    )


def _binding(acl: Any) -> AclBinding:
    return AclBinding(
        principal=acl.principal,
        resource_type=ResourceType(acl.resource_pattern.resource_type.name),
        resource_name=acl.resource_pattern.resource_name,
        pattern_type=PatternType(acl.resource_pattern.pattern_type.name),
        operation=Operation(acl.operation.name),
        permission=Permission(acl.permission_type.name),
        host=acl.host,
    )
