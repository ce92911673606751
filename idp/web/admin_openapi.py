"""The OpenAPI 3.1 document of the admin API; its schemas also validate every request body."""

from __future__ import annotations

from typing import Any

from idp.authn.context import ACR_LEVELS

TEXT = {"type": "string", "maxLength": 150}
OPTIONAL_TEXT = {"type": "string", "maxLength": 40}
DATE = {"type": "string", "format": "date"}

HABILITATION_IN = {
    "type": "object",
    "additionalProperties": False,
    "required": ["profile", "establishment"],
    "properties": {
        "profile": {
            "type": "string",
            "minLength": 1,
            "maxLength": 60,
            "description": "profile code, e.g. GA_MED_COORD",
        },
        "establishment": {
            "type": "string",
            "pattern": "^[0-9][0-9AB][0-9]{7}$",
            "description": "FINESS number",
        },
        "unit": {"type": "string", "maxLength": 200},
        "valid_from": DATE,
        "valid_to": DATE,
        "receives_mails": {"type": "boolean"},
    },
}
ACCOUNT_FIELDS = {
    "email": {"type": "string", "maxLength": 254, "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"},
    "family_name": {"type": "string", "minLength": 1, "maxLength": 150},
    "given_name": TEXT,
    "phone": OPTIONAL_TEXT,
    "fax": OPTIONAL_TEXT,
    "mobile": OPTIONAL_TEXT,
    "profession": {"type": "string", "minLength": 1, "maxLength": 100},
    "otp_required": {"type": "boolean"},
    "national_id": {
        "type": "string",
        "maxLength": 100,
        "description": "Pro Santé Connect SubjectNameID; empty string unlinks",
    },
}
ACCOUNT_NEW = {
    "type": "object",
    "additionalProperties": False,
    "required": ["username", "email", "family_name", "profession", "habilitation"],
    "properties": {
        "username": {"type": "string", "pattern": "^[A-Za-z0-9._@-]{2,150}$"},
        **ACCOUNT_FIELDS,
        "habilitation": HABILITATION_IN,
        "send_mail": {"type": "boolean"},
    },
}
ACCOUNT_PATCH = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": ACCOUNT_FIELDS,
}
STATE = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {"blocked": {"type": "boolean"}, "active": {"type": "boolean"}},
}
HABILITATION_OUT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "profile": {"type": "string"},
        "module": {"type": "string"},
        "establishment": {"type": "string"},
        "unit": {"type": ["string", "null"]},
        "valid_from": DATE,
        "valid_to": {"type": ["string", "null"]},
        "receives_mails": {"type": "boolean"},
        "ended_at": {"type": ["string", "null"]},
    },
}
ACCOUNT_OUT = {
    "type": "object",
    "required": ["username"],
    "properties": {
        "username": {"type": "string"},
        "sub": {"type": "string"},
        **ACCOUNT_FIELDS,
        "email_verified": {"type": "boolean"},
        "active": {"type": "boolean"},
        "blocked": {"type": "boolean"},
        "locked_out": {
            "type": "boolean",
            "description": "locked out for password attempts from unknown browsers "
            "(wrong passwords or codes); cleared with blocked: false",
        },
        "habilitations": {"type": "array", "items": HABILITATION_OUT},
    },
}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): {"description": "error", **_json(ERROR)} for code in codes}


CLIENT_ID = {
    "name": "client_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "maxLength": 100},
}
CLIENT_ASSURANCE = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "minimum_acr": {
            "enum": [*sorted(ACR_LEVELS, key=ACR_LEVELS.__getitem__), None],
            "description": "the least level every login for the module reaches (null: none)",
        },
        "health_data": {"type": "boolean", "description": "it gives access to health data"},
    },
}
CLIENT_OUT = {
    "type": "object",
    "required": ["client_id"],
    "properties": {
        "client_id": {"type": "string"},
        "client_name": {"type": "string"},
        "minimum_acr": {"type": ["string", "null"]},
        "health_data": {"type": "boolean"},
    },
}
USERNAME = {
    "name": "username",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "maxLength": 150},
}


def document(issuer: str) -> dict[str, Any]:
    """The OpenAPI document; ``servers`` points at this provider."""
    auth = [{"bearer": ["admin"]}]
    common = _errors(400, 401, 403, 404)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "idp admin API",
            "version": "1",
            "description": "Provision ViaTrajectoire accounts and habilitations with the "
            "same rules as the referents' pages. Access tokens need the "
            "`admin` scope: a person's token acts with that person's "
            "rights; a client's (client_credentials) acts as support.",
        },
        "servers": [{"url": f"{issuer}/api/admin/v1"}],
        "security": auth,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
        },
        "paths": {
            "/accounts": {
                "get": {
                    "operationId": "searchAccounts",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "schema": {"type": "string", "maxLength": 100},
                        },
                        {
                            "name": "page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100000},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "accounts",
                            **_json(
                                {
                                    "type": "object",
                                    "properties": {
                                        "items": {"type": "array", "items": ACCOUNT_OUT},
                                        "total": {"type": "integer"},
                                        "page": {"type": "integer"},
                                    },
                                }
                            ),
                        },
                        **common,
                    },
                },
                "post": {
                    "operationId": "createAccount",
                    "requestBody": {"required": True, **_json(ACCOUNT_NEW)},
                    "responses": {
                        "201": {"description": "created", **_json(ACCOUNT_OUT)},
                        **common,
                        **_errors(409),
                    },
                },
            },
            "/accounts/{username}": {
                "parameters": [USERNAME],
                "get": {
                    "operationId": "getAccount",
                    "responses": {
                        "200": {"description": "account", **_json(ACCOUNT_OUT)},
                        **common,
                    },
                },
                "patch": {
                    "operationId": "updateAccount",
                    "requestBody": {"required": True, **_json(ACCOUNT_PATCH)},
                    "responses": {
                        "200": {"description": "account", **_json(ACCOUNT_OUT)},
                        **common,
                        **_errors(409),
                    },
                },
            },
            "/accounts/{username}/state": {
                "parameters": [USERNAME],
                "post": {
                    "operationId": "setAccountState",
                    "requestBody": {"required": True, **_json(STATE)},
                    "responses": {
                        "200": {"description": "account", **_json(ACCOUNT_OUT)},
                        **common,
                    },
                },
            },
            "/accounts/{username}/habilitations": {
                "parameters": [USERNAME],
                "post": {
                    "operationId": "addHabilitation",
                    "requestBody": {"required": True, **_json(HABILITATION_IN)},
                    "responses": {
                        "201": {"description": "added", **_json(HABILITATION_OUT)},
                        **common,
                    },
                },
            },
            "/clients/{client_id}": {
                "parameters": [CLIENT_ID],
                "get": {
                    "operationId": "getClientAssurance",
                    "description": "A module's minimum level and health-data flag (support).",
                    "responses": {
                        "200": {"description": "module", **_json(CLIENT_OUT)},
                        **common,
                    },
                },
                "patch": {
                    "operationId": "setClientAssurance",
                    "description": "Set a module's minimum level or health-data flag (support).",
                    "requestBody": {"required": True, **_json(CLIENT_ASSURANCE)},
                    "responses": {
                        "200": {"description": "module", **_json(CLIENT_OUT)},
                        **common,
                    },
                },
            },
            "/habilitations/{habilitation_id}": {
                "parameters": [
                    {
                        "name": "habilitation_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                    }
                ],
                "delete": {
                    "operationId": "endHabilitation",
                    "responses": {"204": {"description": "ended"}, **common},
                },
            },
        },
    }
