{#- One place for the booking rules the models share. -#}

{#- The account as a number, for comparing with Kommun-Bas ranges (NULL when not numeric). -#}
{% macro account_number(account) -%}
    {{ dbt.safe_cast(account, api.Column.translate_type('integer')) }}
{%- endmacro %}

{#- Result accounts: classes 3-8 of Kommun-Bas. -#}
{% macro is_result_account(account) -%}
    {{ account_number(account) }} between 3000 and 8999
{%- endmacro %}

{#- A row's cost category: internal items are marked by motpart 1-4 (not by accounts);
    otherwise the category of the account's range in the account_categories seed. -#}
{% macro cost_category(counterpart, range_category) -%}
    case
        when {{ counterpart }} in ('1', '2', '3', '4') then 'internal_items'
        else coalesce({{ range_category }}, 'other_costs')
    end
{%- endmacro %}
