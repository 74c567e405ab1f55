{#- `part` as a percentage of `whole`, rounded to two decimals, NULL where `whole` is not
    positive or NULL, or the share is 10^12 % or more in size (see rounded_share); a missing
    `part` counts as 0. -#}
{% macro percentage(part, whole) -%}
    case
        when coalesce({{ whole }}, 0) > 0
            then {{ rounded_share('coalesce(' ~ part ~ ', 0)', whole, 2) }}
    end
{%- endmacro %}

{#- 100 × `part` / `whole` rounded to `decimals` (half away from zero), NULL where `whole`
    is 0 or NULL, or where the share is 10^12 % or more in size: what the goals compute, the
    same on every engine (see quotient). No share of that size means anything (10^12 kr of
    0.01 kr), a double no longer holds its two decimals alike on every engine there, and
    decimal(38, 10) is never reached. -#}
{% macro rounded_share(part, whole, decimals) -%}
    cast(round(cast(100 * {{ quotient(part, whole, below=10000000000) }} as decimal(38, 10)),
               {{ decimals }})
        as {{ type_double() }})
{%- endmacro %}
