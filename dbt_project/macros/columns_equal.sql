{#- `left.c = right.c and ...` for each of `columns` (a comma-separated list): a join on a
    composite key. -#}
{% macro columns_equal(left, right, columns) -%}
    {%- for column in columns.split(',') -%}
        {{ left }}.{{ column | trim }} = {{ right }}.{{ column | trim }}
        {%- if not loop.last %} and {% endif -%}
    {%- endfor -%}
{%- endmacro %}
