{% macro rebuild_window(period_key_sql) %}
    {#- The follow-up periods a run rebuilds, as a condition on `period_key_sql` (YYYY-MM):
        the first and last month of the run's partitions, from the environment
        (UPPFOLJNING_PERIOD_FROM, UPPFOLJNING_PERIOD_TO), set by Dagster. Environment
        variables rather than --vars: dbt's saved partial parse survives a run of another
        month (changed vars force a full parse). Unset: every period, `true`. -#}
    {%- set period_from = env_var('UPPFOLJNING_PERIOD_FROM', '') -%}
    {%- set period_to = env_var('UPPFOLJNING_PERIOD_TO', '') -%}
    {%- if period_from and period_to -%}
        {{ period_key_sql }} between '{{ period_from }}' and '{{ period_to }}'
    {%- else -%}
        true
    {%- endif -%}
{% endmacro %}
