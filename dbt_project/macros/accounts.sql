{#- One place for the booking rules the models share. -#}

{#- The account's Kommun-Bas number, for comparing with the four-digit ranges of the seeds:
    its first four digits, since a kommun's five- and six-digit accounts are sub-accounts of
    the four-digit one (46362 lies under 4636). NULL when they are not digits. -#}
{% macro account_number(account) -%}
    {{ return(adapter.dispatch('account_number')(account)) }}
{%- endmacro %}
{#- PostgreSQL's cast fails on what is not a number, and dbt's safe_cast is that cast there -#}
{% macro default__account_number(account) -%}
    case when substr({{ account }}, 1, 4) ~ '^[0-9]+$'
        then cast(substr({{ account }}, 1, 4) as integer) end
{%- endmacro %}
{% macro duckdb__account_number(account) -%}
    {{ dbt.safe_cast('substr(' ~ account ~ ', 1, 4)', api.Column.translate_type('integer')) }}
{%- endmacro %}
{#- Spark's cast gives NULL on what is not a number (dbt-spark keeps ANSI mode off) -#}
{% macro spark__account_number(account) -%}
    case when substr({{ account }}, 1, 4) rlike '^[0-9]+$'
        then cast(substr({{ account }}, 1, 4) as integer) end
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
