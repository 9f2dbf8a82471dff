"""The route table of the Confluent Schema Registry API, mounted at ``/registry`` when the hub
keeps its own registry (hub/app/api/registry_handlers.py). Paths are relative to the mount."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.convertors import IntegerConvertor, register_url_convertor

from hub.app.api import registry_handlers as registry
from hub.app.api.endpoint import Access, Answer, Body, Endpoint, Handler, Method, Parameter
from hub.app.api.registry_answers import (
    MEDIA_TYPE,
    CompatibilityCheck,
    CompatibilityLevelAnswer,
    CompatibilitySet,
    ConfigInput,
    ConfluentError,
    DeletedVersion,
    Empty,
    RawSchema,
    RegisteredId,
    SchemaInput,
    SchemaText,
    SchemaTypes,
    Subjects,
    SubjectVersion,
    SubjectVersionRefs,
    Versions,
)

PREFIX = "/registry"


class _SchemaIdConvertor(IntegerConvertor):
    """A schema id of at most 19 digits (a BIGINT's width): Starlette's ``int`` convertor calls
    int() on any run of digits, which fails past 4,300 of them; a longer id matches no route and
    is the registry's 404."""

    regex = "[0-9]{1,19}"


register_url_convertor("schema_id", _SchemaIdConvertor())


def _answer(description: str, model: type[BaseModel]) -> Answer:
    return Answer(description, model, MEDIA_TYPE)


def _refused(description: str) -> Answer:
    return Answer(description, ConfluentError, MEDIA_TYPE)


_STORE = {500: _refused("50001: kho lưu trữ của sổ đăng ký lỗi | The registry's store failed")}
_CHANGE = {
    401: _refused("40101: thiếu hoặc sai mã truy cập | Missing or invalid token"),
    403: _refused("40301: chính sách chia sẻ không cho phép | Not allowed to change this subject"),
}
_SUBJECT = Parameter("subject", "path", "Chủ đề, ví dụ tthc.dossiers-value | Subject")
_VERSION = Parameter(
    "version", "path", "Số phiên bản, latest hoặc -1 | A version number, latest or -1"
)
_ID = Parameter("id", "path", "Mã lược đồ | Schema id", {"type": "integer"})
_DELETED = Parameter("deleted", "query", "Gồm cả bản đã xóa mềm", {"type": "boolean"})
_PERMANENT = Parameter("permanent", "query", "Xóa vĩnh viễn | Hard delete", {"type": "boolean"})
_SCHEMA_BODY = Body(SchemaInput, "Lược đồ Avro | The Avro schema")
_NO_SUBJECT = _refused("40401: không có chủ đề | Subject not found")
_NO_VERSION = _refused("40401, 40402: không có chủ đề hoặc phiên bản | Not found")
_BAD_VERSION = _refused("42202: phiên bản không hợp lệ | Invalid version")
_BAD_SCHEMA = _refused("42201: lược đồ không hợp lệ, không phải AVRO, có tham chiếu")
_BAD_BODY = _refused("400: nội dung không phải đối tượng JSON | The body is not a JSON object")
_BAD_SUBJECT_TEXT = (
    "400: tên chủ đề quá 255 ký tự hoặc có ký tự điều khiển | A subject name over 255"
    " characters or holding a control character"
)


def _endpoint(
    method: Method,
    path: str,
    handler: Handler,
    operation_id: str,
    summary: str,
    answers: dict[int, Answer],
    *,
    access: Access = Access.OPEN,
    parameters: tuple[Parameter, ...] = (),
    body: Body | None = None,
) -> Endpoint:
    change = _CHANGE if access is Access.REGISTRY_CHANGE else {}
    if _SUBJECT in parameters:  # every handler reading the subject refuses a bad name
        said = answers[400].description + "; " if 400 in answers else ""
        answers = {**answers, 400: _refused(said + _BAD_SUBJECT_TEXT)}
    return Endpoint(
        method,
        path,
        handler,
        f"registry_{operation_id}",
        summary,
        {**answers, **change, **_STORE},
        access=access,
        parameters=parameters,
        body=body,
        tags=("schema registry",),
    )


_CONFIG_ANSWERS = {
    200: _answer("Mức tương thích | The level", CompatibilityLevelAnswer),
    404: _refused("40408: chủ đề chưa đặt mức riêng | The subject follows the global level"),
}
_PUT_CONFIG = {
    200: _answer("Mức đã đặt | The level set", CompatibilitySet),
    400: _BAD_BODY,
    422: _refused("42203: mức tương thích không hợp lệ | Invalid compatibility level"),
}
_CONFIG_GET_PARAMS = (Parameter("defaultToGlobal", "query", schema={"type": "boolean"}),)
_COMPATIBILITY_ANSWERS = {
    200: _answer("Kết quả | Whether it is compatible", CompatibilityCheck),
    400: _BAD_BODY,
    404: _NO_VERSION,
    422: _refused("42201, 42202: lược đồ hoặc phiên bản không hợp lệ"),
}
_VERBOSE = Parameter("verbose", "query", "Kèm lý do | With the reasons", {"type": "boolean"})

REGISTRY_ENDPOINTS: tuple[Endpoint, ...] = (
    _endpoint(
        "GET", "/", registry.root, "root", "Sổ đăng ký | The registry", {200: _answer("{}", Empty)}
    ),
    _endpoint(
        "GET",
        "/subjects",
        registry.list_subjects,
        "list_subjects",
        "Các chủ đề | Subjects",
        {200: _answer("Tên chủ đề | Subject names", Subjects)},
        parameters=(
            _DELETED,
            Parameter("subjectPrefix", "query", "Tiền tố | Prefix"),
            Parameter("subject", "query", "Tiền tố (tên cũ) | Prefix (older name)"),
        ),
    ),
    _endpoint(
        "POST",
        "/subjects/{subject}",
        registry.lookup,
        "lookup",
        "Tìm lược đồ trong chủ đề | Look a schema up in a subject",
        {
            200: _answer("Phiên bản giữ lược đồ | The version holding it", SubjectVersion),
            400: _BAD_BODY,
            404: _refused("40401, 40403: không có chủ đề, hoặc chủ đề không có lược đồ này"),
            422: _BAD_SCHEMA,
        },
        parameters=(_SUBJECT, _DELETED),
        body=_SCHEMA_BODY,
    ),
    _endpoint(
        "DELETE",
        "/subjects/{subject}",
        registry.delete_subject,
        "delete_subject",
        "Xóa chủ đề | Delete a subject (soft, or permanent after soft)",
        {
            200: _answer("Các phiên bản đã xóa | The versions deleted", Versions),
            404: _refused("40401, 40404, 40405: không có, đã xóa mềm, chưa xóa mềm"),
        },
        access=Access.REGISTRY_CHANGE,
        parameters=(_SUBJECT, _PERMANENT),
    ),
    _endpoint(
        "GET",
        "/subjects/{subject}/versions",
        registry.list_versions,
        "list_versions",
        "Các phiên bản của chủ đề | A subject's versions",
        {200: _answer("Số phiên bản | Version numbers", Versions), 404: _NO_SUBJECT},
        parameters=(_SUBJECT, _DELETED),
    ),
    _endpoint(
        "POST",
        "/subjects/{subject}/versions",
        registry.register,
        "register",
        "Đăng ký lược đồ | Register a schema under a subject",
        {
            200: _answer("Mã lược đồ | The schema id", RegisteredId),
            400: _BAD_BODY,
            409: _refused("409: không tương thích, kèm incompatibilities | Incompatible"),
            422: _BAD_SCHEMA,
        },
        access=Access.REGISTRY_CHANGE,
        parameters=(_SUBJECT,),
        body=_SCHEMA_BODY,
    ),
    _endpoint(
        "GET",
        "/subjects/{subject}/versions/{version}",
        registry.get_version,
        "get_version",
        "Một phiên bản | One version",
        {
            200: _answer("Phiên bản | The version", SubjectVersion),
            404: _NO_VERSION,
            422: _BAD_VERSION,
        },
        parameters=(_SUBJECT, _VERSION, _DELETED),
    ),
    _endpoint(
        "DELETE",
        "/subjects/{subject}/versions/{version}",
        registry.delete_version,
        "delete_version",
        "Xóa phiên bản | Delete a version (soft, or permanent after soft)",
        {
            200: _answer("Phiên bản đã xóa | The version deleted", DeletedVersion),
            404: _refused("40401, 40402, 40406, 40407: không có, đã xóa mềm, chưa xóa mềm"),
            422: _BAD_VERSION,
        },
        access=Access.REGISTRY_CHANGE,
        parameters=(_SUBJECT, _VERSION, _PERMANENT),
    ),
    _endpoint(
        "GET",
        "/subjects/{subject}/versions/{version}/schema",
        registry.get_version_schema,
        "get_version_schema",
        "Lược đồ của phiên bản | The version's schema itself",
        {200: _answer("Lược đồ | The schema", RawSchema), 404: _NO_VERSION, 422: _BAD_VERSION},
        parameters=(_SUBJECT, _VERSION, _DELETED),
    ),
    _endpoint(
        "GET",
        "/schemas/types",
        registry.schema_types,
        "schema_types",
        "Các loại lược đồ | Schema types",
        {200: _answer("Chỉ AVRO | Only AVRO", SchemaTypes)},
    ),
    _endpoint(
        "GET",
        "/schemas/ids/{id:schema_id}",
        registry.get_schema,
        "get_schema",
        "Lược đồ theo mã | A schema by id",
        {
            200: _answer("Lược đồ | The schema", SchemaText),
            404: _refused("40403: không có lược đồ | Schema not found"),
        },
        parameters=(_ID,),
    ),
    _endpoint(
        "GET",
        "/schemas/ids/{id:schema_id}/versions",
        registry.get_schema_versions,
        "get_schema_versions",
        "Nơi dùng lược đồ | The subject versions using a schema",
        {
            200: _answer("(chủ đề, phiên bản) | Subject and version", SubjectVersionRefs),
            404: _refused("40403: không có lược đồ | Schema not found"),
        },
        parameters=(_ID, _DELETED),
    ),
    _endpoint(
        "GET",
        "/schemas/ids/{id:schema_id}/subjects",
        registry.get_schema_subjects,
        "get_schema_subjects",
        "Chủ đề dùng lược đồ | The subjects using a schema",
        {
            200: _answer("Tên chủ đề | Subject names", Subjects),
            404: _refused("40403: không có lược đồ | Schema not found"),
        },
        parameters=(_ID, _DELETED),
    ),
    _endpoint(
        "GET",
        "/config",
        registry.get_config,
        "get_global_config",
        "Mức tương thích chung | The global compatibility level",
        {200: _CONFIG_ANSWERS[200]},
    ),
    _endpoint(
        "PUT",
        "/config",
        registry.put_config,
        "put_global_config",
        "Đặt mức tương thích chung | Set the global level",
        _PUT_CONFIG,
        access=Access.REGISTRY_CHANGE,
        body=Body(ConfigInput, "Mức | The level"),
    ),
    _endpoint(
        "DELETE",
        "/config",
        registry.delete_config,
        "delete_global_config",
        "Trả mức chung về mặc định | Reset the global level",
        {200: _answer("Mức trước đó | The level it had", CompatibilityLevelAnswer)},
        access=Access.REGISTRY_CHANGE,
    ),
    _endpoint(
        "GET",
        "/config/{subject}",
        registry.get_config,
        "get_subject_config",
        "Mức tương thích của chủ đề | A subject's level",
        _CONFIG_ANSWERS,
        parameters=(_SUBJECT, *_CONFIG_GET_PARAMS),
    ),
    _endpoint(
        "PUT",
        "/config/{subject}",
        registry.put_config,
        "put_subject_config",
        "Đặt mức của chủ đề | Set a subject's level",
        _PUT_CONFIG,
        access=Access.REGISTRY_CHANGE,
        parameters=(_SUBJECT,),
        body=Body(ConfigInput, "Mức | The level"),
    ),
    _endpoint(
        "DELETE",
        "/config/{subject}",
        registry.delete_config,
        "delete_subject_config",
        "Bỏ mức riêng của chủ đề | Make a subject follow the global level",
        {
            200: _answer("Mức trước đó | The level it had", CompatibilityLevelAnswer),
            404: _CONFIG_ANSWERS[404],
        },
        access=Access.REGISTRY_CHANGE,
        parameters=(_SUBJECT,),
    ),
    _endpoint(
        "POST",
        "/compatibility/subjects/{subject}/versions",
        registry.compatibility_test,
        "test_compatibility",
        "Thử tương thích với mọi phiên bản | Test against the versions the level compares",
        _COMPATIBILITY_ANSWERS,
        parameters=(_SUBJECT, _VERBOSE),
        body=_SCHEMA_BODY,
    ),
    _endpoint(
        "POST",
        "/compatibility/subjects/{subject}/versions/{version}",
        registry.compatibility_test,
        "test_compatibility_with_version",
        "Thử tương thích với một phiên bản | Test against one version",
        _COMPATIBILITY_ANSWERS,
        parameters=(_SUBJECT, _VERSION, _VERBOSE),
        body=_SCHEMA_BODY,
    ),
)
