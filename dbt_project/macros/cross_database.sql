{#- SQL that the engines (DuckDB, PostgreSQL, Spark) spell differently and dbt has no
    cross-database macro for. Each is dispatched: `default__` is standard SQL (PostgreSQL),
    the adapters' own versions follow it. -#}

{#- A binary floating-point type, for shares (percentages) that are not money. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}
{% macro default__type_double() -%}double precision{%- endmacro %}
{% macro duckdb__type_double() -%}double{%- endmacro %}
{% macro spark__type_double() -%}double{%- endmacro %}

{#- The value of `value` on the row where `key` is largest (among rows meeting `condition`),
    as an aggregate: the latest report of a group. `key` must be unique within the group. -#}
{% macro value_at_max(value, key, condition='true') -%}
    {{ return(adapter.dispatch('value_at_max')(value, key, condition)) }}
{%- endmacro %}
{% macro default__value_at_max(value, key, condition) -%}
    (array_agg({{ value }} order by {{ key }} desc) filter (where {{ condition }}))[1]
{%- endmacro %}
{% macro duckdb__value_at_max(value, key, condition) -%}
    arg_max({{ value }}, {{ key }}) filter (where {{ condition }})
{%- endmacro %}
{% macro spark__value_at_max(value, key, condition) -%}
    max_by({{ value }}, {{ key }}) filter (where {{ condition }})
{%- endmacro %}

{#- The Swedish name of month `period` (1-12), lower case as in running text. -#}
{% macro month_name(period) -%}
    case {{ period }}
    {%- for name in ['januari', 'februari', 'mars', 'april', 'maj', 'juni', 'juli', 'augusti',
                     'september', 'oktober', 'november', 'december'] %}
        when {{ loop.index }} then '{{ name }}'
    {%- endfor %}
    end
{%- endmacro %}

{#- `as materialized` for a CTE that later ones read more than once, so the engine computes
    it once instead of inlining it into each reader (a chain of such CTEs would otherwise
    cost 2^n). Spark has no such keyword (it reuses a CTE's exchange by itself). -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte')()) }}
{%- endmacro %}
{% macro default__materialized_cte() -%}materialized{%- endmacro %}
{% macro spark__materialized_cte() -%}{%- endmacro %}

{#- `value`s of a group joined by `delimiter` (a SQL string literal), in the order of
    `order_by` (a list of column names): dbt.listagg, whose order Spark would drop. -#}
{% macro ordered_listagg(value, delimiter, order_by) -%}
    {{ return(adapter.dispatch('ordered_listagg')(value, delimiter, order_by)) }}
{%- endmacro %}
{% macro default__ordered_listagg(value, delimiter, order_by) -%}
    {{ dbt.listagg(value, delimiter, 'order by ' ~ order_by | join(', ')) }}
{%- endmacro %}
{% macro spark__ordered_listagg(value, delimiter, order_by) -%}
    array_join(transform(array_sort(collect_list(struct(
        {%- for column in order_by %}{{ column }} as o{{ loop.index }}, {% endfor -%}
        {{ value }} as v))), x -> x.v), {{ delimiter }})
{%- endmacro %}

{#- `numerator` / `denominator` in binary floating point, whatever their types: each engine
    divides decimals by its own rules (DuckDB in doubles, PostgreSQL exactly, Spark to a scale
    its precision rules leave), and the same doubles divide the same everywhere. NULL where
    the denominator is 0 or NULL, and with `below`, where the quotient is `below` or more in
    size: a quotient cast to a decimal must never reach what the decimal holds (DuckDB and
    PostgreSQL stop the build on it, Spark makes it NULL). Round the result through `decimal`
    before showing it. -#}
{% macro quotient(numerator, denominator, below=none) -%}
    {%- set divided -%}
    (cast({{ numerator }} as {{ type_double() }})
        / cast(nullif({{ denominator }}, 0) as {{ type_double() }}))
    {%- endset -%}
    {%- if below is none -%}
    {{ divided }}
    {%- else -%}
    (case when abs({{ divided }}) < {{ below }} then {{ divided }} end)
    {%- endif -%}
{%- endmacro %}

{#- The ratio of two amounts in SEK (two decimals), cut toward zero at `scale` decimals and
    computed in whole numbers (öre), so that every engine gets the same digits: a division
    of doubles and its cast to decimal differ in the last digits between engines
    (PostgreSQL keeps 15 significant digits of a double, DuckDB multiplies in doubles), and
    one digit can move a forecast by an öre. NULL where the ratio is not computed: where the
    denominator is 0 or NULL, where the ratio is `below` or more in size (default a million:
    whole numbers of 19 digits, what every engine multiplies exactly; a model that uses a
    ratio only in a window passes a bound just above it, so that no cast to a narrower
    decimal ever sees a ratio outside it) or where the denominator is 10^16 or more in size
    (beyond any amount of decimal(18, 2): the whole numbers would pass 38 digits). The
    condition is checked before anything is divided or cast. -#}
{% macro amount_ratio(numerator, denominator, scale=12, below=1000000) -%}
    (case when abs({{ denominator }}) < 10000000000000000
            and abs({{ numerator }}) < abs({{ denominator }}) * {{ below }} then
        cast({{ adapter.dispatch('amount_ratio')(numerator, denominator, scale) }}
             as decimal(19, 0)) * 0.{{ '0' * (scale - 1) }}1
    end)
{%- endmacro %}
{% macro default__amount_ratio(numerator, denominator, scale) -%}
    div(cast(({{ numerator }}) * 100 as numeric(38, 0)) * 1{{ '0' * scale }},
        cast(nullif({{ denominator }}, 0) * 100 as numeric(38, 0)))
{%- endmacro %}
{% macro duckdb__amount_ratio(numerator, denominator, scale) -%}
    (cast(({{ numerator }}) * 100 as hugeint) * 1{{ '0' * scale }})
        // cast(nullif({{ denominator }}, 0) * 100 as hugeint)
{%- endmacro %}
{% macro spark__amount_ratio(numerator, denominator, scale) -%}
    (cast(({{ numerator }}) * 100 as decimal(38, 0)) * 1{{ '0' * scale }})
        div cast(nullif({{ denominator }}, 0) * 100 as decimal(38, 0))
{%- endmacro %}
