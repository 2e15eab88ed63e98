"""Post-processing of the API document (drf-spectacular's POSTPROCESSING_HOOKS)."""

# code -> (description, example body as ``gridgov.api.exception_handler`` builds it)
ERROR_ANSWERS = {
    "400": (
        "Invalid input: messages per field (also NUL in any input, gridgov/refuse_nul.py).",
        {
            "code": "invalid",
            "message": "Invalid input.",
            "fields": {"q": ["This field may not contain the NUL character (\\u0000)."]},
        },
    ),
    "401": (
        "Not authenticated (no token or API key, or a bad one).",
        {
            "code": "not_authenticated",
            "message": "Authentication credentials were not provided.",
            "fields": {},
        },
    ),
    "403": (
        "Not allowed for your roles in this area.",
        {
            "code": "permission_denied",
            "message": "You do not have permission to perform this action.",
            "fields": {},
        },
    ),
    "404": (
        "Not found, out of your scope (never confirmed), or a page past the last.",
        {"code": "not_found", "message": "Not found.", "fields": {}},
    ),
    "429": (
        "Too many requests.",
        {"code": "throttled", "message": "Request was throttled.", "fields": {}},
    ),
}


def declare_error_answers(result, generator, request, public):
    """Declares on every operation the error answers any operation may give, in the one error shape.

    Any request can be refused for its input (a query parameter with NUL, a bad page number), its
    credentials or its scope, so clients and schemathesis learn these codes from the document instead of
    from a failure; operations that declare a code themselves (409s, their own examples) keep theirs.
    """
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault(
        "Error", {"type": "object", "description": "The body of every error answer."}
    )
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, (description, example) in ERROR_ANSWERS.items():
                operation["responses"].setdefault(code, _answer(description, example))
    return result


def _answer(description, example):
    media = {
        "schema": {"$ref": "#/components/schemas/Error"},
        "examples": {_example_name(example): {"value": example}},
    }
    return {"description": description, "content": {"application/json": media}}


def _example_name(example):
    return "".join(part.title() for part in example["code"].split("_"))
