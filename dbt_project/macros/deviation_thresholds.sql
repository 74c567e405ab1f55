{#- Whether a deviation passes its org level's thresholds (the seed deviation_thresholds,
    joined as `thresholds`): at least min_deviation_sek in size, and at least
    min_deviation_share of the budget it is measured against, where there is a budget. One
    rule for the deviation year to date and the forecast's (marts.deviations). -#}
{% macro passes_thresholds(deviation, budget) -%}
    (
        abs({{ deviation }}) >= thresholds.min_deviation_sek
        and (
            {{ budget }} = 0
            or abs({{ deviation }}) >= thresholds.min_deviation_share * abs({{ budget }})
        )
    )
{%- endmacro %}

{#- A year's amount of one item of a table of items (balance_requirement's adjustments and
    KF's decisions): the item's amount, 0 where the year has none. -#}
{% macro item_amount(items, key, item) -%}
    coalesce(max({{ items }}.amount) filter (where {{ items }}.{{ key }} = '{{ item }}'), 0)
{%- endmacro %}
