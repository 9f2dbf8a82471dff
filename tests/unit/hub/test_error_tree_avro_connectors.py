"""JsonRecordError (hub.avro) and ConversionError (connectors) belong to Kho's one error tree,
carry a one-line message naming the field, and are still caught where they were."""

from __future__ import annotations

import pytest

from connectors.config import FieldMapping
from connectors.convert import vn_bool
from connectors.errors import ConnectorError, ConversionError
from connectors.samples.dossiers import dossier_documents
from hub.app.wiring import Hub
from hub.avro import SerializationError
from hub.avro.json_codec import JsonRecordError
from hub.errors import KhoError
from hub.ingest.batch import IngestMode, ingest_batch


def test_both_derive_from_their_package_base() -> None:
    """JsonRecordError is a SerializationError, ConversionError a ConnectorError: both KhoError."""
    assert issubclass(JsonRecordError, SerializationError)
    assert issubclass(ConversionError, ConnectorError)
    assert issubclass(JsonRecordError, KhoError) and issubclass(ConversionError, KhoError)


def test_a_conversion_error_is_one_line_naming_the_value() -> None:
    """The message a dead letter and a CLI show: the cell, on one line."""
    with pytest.raises(KhoError) as caught:
        vn_bool("có lẽ", FieldMapping(column="Thanh toán", convert="vn_bool"))
    assert isinstance(caught.value, ConversionError)
    assert str(caught.value) == "'có lẽ' không phải Có/Không"


def test_a_bad_json_value_is_still_a_violation_at_its_path(embedded_hub: Hub) -> None:
    """The ingest batch still turns JsonRecordError into a json_value violation of the field,
    and the error's message is one line that names the path."""
    writer = embedded_hub.writer("tthc.dossiers")
    document = dossier_documents(1)[0] | {"received_at": "hôm qua"}
    with pytest.raises(SerializationError) as caught:
        writer.json_reader.read(document)
    assert str(caught.value).startswith("$.received_at: ") and "\n" not in str(caught.value)

    result = ingest_batch(writer, [document], mode=IngestMode.ATOMIC, source_name="test")
    (error,) = result.rejected
    assert [(v.path, v.rule) for v in error.violations] == [("$.received_at", "json_value")]
