"""Why a ``kafka+ssl://`` connection fails, in one line naming the CA.

kafka-python only logs a failed TLS handshake and retries until its bootstrap timeout, so the
hub would report a bare timeout. When that happens, one TLS handshake of our own (the Python
``ssl`` module, the same checks: the CA file and the host name) finds the reason.
"""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

from hub.bus.kafka_url import KafkaConnection

PROBE_TIMEOUT_S = 3.0


def tls_refusal(connection: KafkaConnection) -> str | None:
    """The reason the brokers' TLS is refused (an unreadable CA file, a certificate the CA does
    not vouch for, a host name it does not name), or None: no TLS, no broker answers, or the
    handshake succeeds and the cause lies elsewhere."""
    if not connection.tls:
        return None
    cafile = connection.cafile
    if cafile is not None and not Path(cafile).is_file():
        return f"không đọc được tệp CA {cafile} (cafile của KHO_BUS_URL)"
    try:
        context = ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        return f"tệp CA {cafile} (cafile của KHO_BUS_URL) không phải chứng chỉ PEM: {exc}"
    authority = f"CA {cafile}" if cafile else "các CA tin cậy của hệ thống"
    for server in connection.servers:
        host, _, port = server.rpartition(":")
        host = host.strip("[]")
        try:
            with (
                socket.create_connection((host, int(port)), timeout=PROBE_TIMEOUT_S) as raw,
                context.wrap_socket(raw, server_hostname=host),
            ):
                return None
        except ssl.SSLCertVerificationError as exc:
            reason = exc.verify_message
            return f"chứng chỉ TLS của {server} không được {authority} xác nhận ({reason})"
        except (OSError, ssl.SSLError):
            continue  # this broker does not answer, or not with TLS: try the next one
    return None
