"""Where connectors read departmental data: files, SQL databases, REST APIs, MQTT brokers."""
