{#- Spark reads the raw tables from Parquet files that DuckDB writes from the warehouse's raw
    schema (pipelines/engines/spark.py), one folder per table under UPPFOLJNING_SPARK_RAW.
    Before each build every source of schema raw is registered anew as an external table on
    its folder: drop and create touch only the metastore, never the files, and a column a new
    version added is seen (Spark would keep a table's first schema). Elsewhere the raw
    tables are the engine's own: nothing to do. -#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
    select 1
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- if execute %}
        {%- set folder = env_var('UPPFOLJNING_SPARK_RAW', '') %}
        {%- if not folder %}
            {{ exceptions.raise_compiler_error(
                'UPPFOLJNING_SPARK_RAW is not set: the pipeline names the folder of the raw '
                'Parquet files') }}
        {%- endif %}
        {%- for source in graph.sources.values() if source.schema == 'raw' %}
            {%- do run_query('create database if not exists raw') if loop.first %}
            {%- do run_query('drop table if exists raw.' ~ source.identifier) %}
            {%- do run_query('create table raw.' ~ source.identifier ~ " using parquet location '"
                             ~ folder ~ '/' ~ source.identifier ~ "'") %}
        {%- endfor %}
    {%- endif %}
    select 1
{%- endmacro %}
