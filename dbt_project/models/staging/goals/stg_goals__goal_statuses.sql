{{ staged_goal_statuses(source('goals', 'goal_statuses')) }}
