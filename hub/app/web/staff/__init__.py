"""The pages of the province's staff under ``/quan-ly``: approvals, dead letters, connectors,
masking lag, the shared-database catalogue, tokens and the audit log.

Each page is a thin form over the service the API and the CLI already use, and decides who may
see it by the same rules (``guard.StaffTool``): a steward works on the datasets their agency
owns, an administrator on every dataset; tokens and the audit log are for administrators only.
Every action is audited under the person's credential (``token:sso:<subject>``), as the API
audits an identity provider's access token.
"""
