{#- The generic test of a model's grain: `columns` (a list, or one name) together identify one
    row of `model` and none of them is NULL. It proves what a unique test on a concatenated
    text does not (a NULL part makes the text NULL, and the test passes it silently). A row
    per breach: a combination of the key columns that more than one row has (key_rows = how
    many), and per combination with a NULL key column, the rows that have it. Plain SQL
    (group by, having, union all), the same on DuckDB, PostgreSQL and Spark. -#}
{% test primary_key(model, columns) %}
{%- set key = [columns] if columns is string else columns %}
{%- set key_list = key | join(', ') %}
with keyed as (
    select {{ key_list }}
    from {{ model }}
),

duplicated as (
    -- a complete key that more than one row has
    select {{ key_list }}, count(*) as key_rows, 'duplicate key' as breach
    from keyed
    where {% for column in key %}{{ column }} is not null{{ " and " if not loop.last }}{% endfor %}
    group by {{ key_list }}
    having count(*) > 1
),

incomplete as (
    -- rows with a key column NULL, per combination of the key
    select {{ key_list }}, count(*) as key_rows, 'null in key' as breach
    from keyed
    where {% for column in key %}{{ column }} is null{{ " or " if not loop.last }}{% endfor %}
    group by {{ key_list }}
)

select * from duplicated
union all
select * from incomplete
{% endtest %}
