{#- 'YYYY-MM' of a fiscal year and a month number, as Dagster's monthly partition keys. -#}
{% macro period_key(fiscal_year, period) -%}
    cast({{ fiscal_year }} as {{ dbt.type_string() }}) || '-' || lpad(cast({{ period }} as {{ dbt.type_string() }}), 2, '0')
{%- endmacro %}
