{% macro rebuild_window(period_key_sql) %}
    {#- The follow-up periods a run rebuilds, as a condition on `period_key_sql` (YYYY-MM):
        the first and last month of the window, from the environment
        (UPPFOLJNING_PERIOD_FROM, UPPFOLJNING_PERIOD_TO), set by Dagster's monthly models.
        That window is what the run's months make stale, not the months alone
        (partitions.months_made_stale): a month is in the year to date of every later
        period of its year and is last year's outcome for every period of the next, so a
        run over 2025-07 rebuilds 2025-01 … 2026-12. Environment variables rather than
        --vars: dbt's saved partial parse survives a run of another month (changed vars
        force a full parse). Unset: every period, `true`. -#}
    {%- set period_from = env_var('UPPFOLJNING_PERIOD_FROM', '') -%}
    {%- set period_to = env_var('UPPFOLJNING_PERIOD_TO', '') -%}
    {%- if period_from and period_to -%}
        {{ period_key_sql }} between '{{ period_from }}' and '{{ period_to }}'
    {%- else -%}
        true
    {%- endif -%}
{% endmacro %}
