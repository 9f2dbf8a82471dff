-- CKAN's own role and database beside the hub's (docker-compose only).
CREATE ROLE ckan LOGIN PASSWORD 'ckan';
CREATE DATABASE ckan OWNER ckan ENCODING 'UTF8';
