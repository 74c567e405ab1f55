"""The config's validation errors in Swedish, one line per problem, as a kommun's data
engineer reads them: pydantic's error types translated, its English text never shown (a
type this module does not know keeps pydantic's text after a Swedish lead)."""

from __future__ import annotations


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def _expected(ctx: dict) -> str:
    """pydantic's "'a', 'b' or 'c'" as "'a', 'b' eller 'c'"."""
    return str(ctx.get("expected", "")).replace(" or ", " eller ")


def swedish(err: dict) -> str:
    """One pydantic error (an item of ValidationError.errors()) in Swedish."""
    kind, ctx, value = err.get("type", ""), err.get("ctx") or {}, err.get("input")
    if kind == "missing":
        return "saknas: nyckeln måste anges"
    if kind == "extra_forbidden":
        return "okänd nyckel (stavfel? se docs/configuration.md för vilka som finns)"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"ska vara ett heltal, inte {_shown(value)}"
    if kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type"):
        return f"ska vara ett tal, inte {_shown(value)}"
    if kind in ("bool_parsing", "bool_type"):
        return f"ska vara true eller false, inte {_shown(value)}"
    if kind in ("string_type", "string_too_short"):
        return f"ska vara en text, inte {_shown(value)}"
    if kind in ("list_type", "tuple_type"):
        return f"ska vara en lista (- ...), inte {_shown(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"ska vara en samling nycklar (nyckel: värde), inte {_shown(value)}"
    if kind == "literal_error":
        return f"ska vara {_expected(ctx)}, inte {_shown(value)}"
    if kind == "union_tag_invalid":
        return (f"type {_shown(ctx.get('tag'))} finns inte; välj "
                f"{str(ctx.get('expected_tags', '')).replace(' or ', ' eller ')}")
    if kind == "union_tag_not_found":
        return "saknar type (csv, excel, sie, database ...)"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {"greater_than": "större än", "greater_than_equal": "minst",
                 "less_than": "mindre än", "less_than_equal": "högst"}[kind]
        limit = next(iter(ctx.values()), "")
        return f"ska vara {words} {limit}, inte {_shown(value)}"
    if kind in ("value_error", "assertion_error"):  # our validators' own (Swedish) text
        return str(err.get("msg", "")).removeprefix("Value error, ").removeprefix(
            "Assertion failed, ")
    return f"ogiltigt värde ({err.get('msg', kind)})"
