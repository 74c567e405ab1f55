{{ staged_goal_statuses(source('returns', 'returned_goal_statuses')) }}
