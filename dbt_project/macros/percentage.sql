{#- `part` as a percentage of `whole`, rounded to two decimals, NULL where `whole` is not
    positive (see rounded_share). -#}
{% macro percentage(part, whole) -%}
    case
        when coalesce({{ whole }}, 0) > 0
            then {{ rounded_share('coalesce(' ~ part ~ ', 0)', whole, 2) }}
    end
{%- endmacro %}

{#- 100 × `part` / `whole` rounded to `decimals` (half away from zero), NULL where `whole`
    is 0: what the goals compute, the same on every engine (see quotient). -#}
{% macro rounded_share(part, whole, decimals) -%}
    cast(round(cast(100 * {{ quotient(part, whole) }} as decimal(38, 10)), {{ decimals }})
        as {{ type_double() }})
{%- endmacro %}
