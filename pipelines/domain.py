"""The domain's vocabulary, in one place: the words of the seeds that the readers, the quality
rules and the packages all use. Readers check input against them, the rules and packages
read them; none of them imports another's copy (docs/domain.md has the glossary).
"""

# the organisation's levels, from the top (every level of the seeds' follow-up)
LEVELS = ("kommun", "nämnd", "sektor", "verksamhet", "enhet")

# the levels that comment their deviations, and so what the tidplan's `kommentarer` may name
# besides the kinds of goal reported on (GOAL_DEADLINES)
DEVIATION_LEVELS = ("enhet", "verksamhet", "sektor")
GOAL_DEADLINES = ("aktiviteter", "delmal", "namndmal", "styrtal", "strategiska_omraden")

# a goal's status as the seeds name the four (måluppfyllelse)
REPORTED_STATUSES = ("uppnått", "delvis uppnått", "ej uppnått", "ej påbörjad")
# status as written -> the status kept (the four of the seeds, and the short forms in use)
STATUSES = {"uppnått": "uppnått", "delvis uppnått": "delvis uppnått", "delvis": "delvis uppnått",
            "ej uppnått": "ej uppnått", "inte uppnått": "ej uppnått",
            "ej påbörjad": "ej påbörjad", "ej påbörjat": "ej påbörjad",
            "inte påbörjad": "ej påbörjad"}

# the level whose units are the boards (nämnder): one package each
BOARD_LEVEL = "nämnd"
# the code of the branch of unknown ansvar (rows booked on no unit of the register), on every
# level between the kommun and the booked code (dbt_project/macros/place_on_org_tree.sql)
UNKNOWN_UNIT = "(okänt)"
# the goals the kommun's own package follows up: KF's, and the boards' nämndmål
KOMMUN_GOAL_KINDS = ("strategic_area", "kf_indicator", "financial_goal", "board_goal")
