"""Static domain data of the demo municipality Exempelkommun.

Everything a kommun's systems would know before a single voucher is booked: the chart of
accounts (Kommun-Bas-like), the organisation blueprint (boards, sectors, operations with
SCB-like activity codes), the counterpart codes (motpart) and Swedish names.

The generator shares no code with the readers in `pipelines.ingest`: it writes files the way
a kommun's ERP, HR and planning systems deliver them, so the readers are tested against an
independent writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- Chart of accounts -------------------------------------------------------------------
# (account, name, SIE account type T/S/K/I). Kommun-Bas classes: 1 assets, 2 liabilities,
# 3 revenue, 4 purchases, 5 personnel, 6-7 other costs (79 depreciation), 8 taxes, grants and
# financial items.


@dataclass(frozen=True)
class Account:
    number: str
    name: str
    kind: str  # SIE #KTYP: T tillgång, S skuld, K kostnad, I intäkt
    summary: bool = False  # summakonto: may not be booked on
    blocked: bool = False  # spärrat konto: may not be booked on
    requires_project: bool = False  # investment accounts carry projekt (dim 6)
    requires_counterpart: bool = False  # accounts where motpart (dim 21) is mandatory


def _a(number: str, name: str, kind: str, **flags: bool) -> Account:
    return Account(number, name, kind, **flags)


CHART: tuple[Account, ...] = (
    _a("1111", "Byggnader", "T"),
    _a("1119", "Ackumulerade avskrivningar byggnader och anläggningar", "T"),
    _a("1181", "Pågående ny- och ombyggnad", "T", requires_project=True),
    _a("1221", "Inventarier", "T", requires_project=True),
    _a("1229", "Ackumulerade avskrivningar inventarier", "T"),
    _a("1510", "Kundfordringar", "T"),
    _a("1641", "Momsfordran kommunal moms", "T"),
    _a("1790", "Övriga förutbetalda kostnader och upplupna intäkter", "T"),
    _a("1930", "Bank", "T"),
    _a("2010", "Eget kapital", "S"),
    _a("2240", "Avsättningar för pensioner", "S"),
    _a("2350", "Lån i banker och kreditinstitut", "S"),
    _a("2440", "Leverantörsskulder", "S"),
    _a("2710", "Personalens källskatt", "S"),
    _a("2730", "Lagstadgade sociala avgifter", "S"),
    _a("2745", "Upplupen pensionskostnad", "S"),
    _a("2990", "Övriga upplupna kostnader och förutbetalda intäkter", "S"),
    _a("3000", "Verksamhetens intäkter", "I", summary=True),
    _a("3111", "Barnomsorgsavgifter", "I", requires_counterpart=True),
    _a("3121", "Äldreomsorgsavgifter", "I", requires_counterpart=True),
    _a("3131", "Övriga taxor och avgifter", "I", requires_counterpart=True),
    _a("3141", "Vatten-, avlopps- och avfallsavgifter", "I", requires_counterpart=True),
    _a("3211", "Lokalhyror", "I", requires_counterpart=True),
    _a("3411", "Statsbidrag", "I", requires_counterpart=True),
    _a("3511", "Försäljning av verksamhet", "I", requires_counterpart=True),
    _a("3512", "Försäljning av måltider", "I", requires_counterpart=True),
    _a("3513", "Försäljning av IT-tjänster", "I", requires_counterpart=True),
    _a("3961", "Realisationsvinster", "I", requires_counterpart=True),
    _a("4000", "Material och köp av huvudverksamhet", "K", summary=True),
    _a("4011", "Inköp av anläggnings- och underhållsmaterial", "K", requires_counterpart=True),
    _a("4611", "Köp av huvudverksamhet från andra kommuner", "K", requires_counterpart=True),
    _a("4631", "Köp av huvudverksamhet från företag", "K", requires_counterpart=True),
    _a("4711", "Ekonomiskt bistånd", "K", requires_counterpart=True),
    _a("5000", "Personalkostnader", "K", summary=True),
    _a("5011", "Månadsavlönade", "K"),
    _a("5021", "Timavlönade", "K"),
    _a("5031", "Övertids- och mertidsersättning", "K"),
    _a("5099", "Löner att fördela", "K", blocked=True),
    _a("5111", "Semesterlön", "K"),
    _a("5121", "Sjuklön", "K"),
    _a("5511", "Arvoden till förtroendevalda", "K"),
    _a("5611", "Arbetsgivaravgifter", "K"),
    _a("5711", "Pensionskostnader", "K"),
    _a("5811", "Personalutbildning", "K", requires_counterpart=True),
    _a("6000", "Övriga verksamhetskostnader", "K", summary=True),
    _a("6111", "Lokalhyror", "K", requires_counterpart=True),
    _a("6211", "Fastighetsskötsel och underhåll", "K", requires_counterpart=True),
    _a("6311", "Energi", "K", requires_counterpart=True),
    _a("6411", "Livsmedel", "K", requires_counterpart=True),
    _a("6412", "Köp av måltider", "K", requires_counterpart=True),
    _a("6421", "Förbrukningsmaterial", "K", requires_counterpart=True),
    _a("6511", "Tele och post", "K", requires_counterpart=True),
    _a("6521", "IT-tjänster", "K", requires_counterpart=True),
    _a("6611", "Konsulttjänster", "K", requires_counterpart=True),
    _a("6711", "Resor och transporter", "K", requires_counterpart=True),
    _a("6911", "Övriga kostnader", "K", requires_counterpart=True),
    _a("6999", "Tillfälligt konto", "K", blocked=True),
    _a("7911", "Avskrivningar byggnader och anläggningar", "K"),
    _a("7921", "Avskrivningar inventarier", "K"),
    _a("8011", "Kommunalskatt", "I"),
    _a("8211", "Inkomstutjämningsbidrag", "I"),
    _a("8311", "Ränteintäkter", "I"),
    _a("8411", "Räntekostnader", "K"),
)

ACCOUNTS: dict[str, Account] = {a.number: a for a in CHART}

# --- Counterparts (motpart, dim 21) --------------------------------------------------------
# 1-4 internal, 5-7 owned companies and associations, 8x external.
COUNTERPARTS: tuple[tuple[str, str], ...] = (
    ("1", "Intern inom nämnd"),
    ("2", "Intern mellan nämnder"),
    ("3", "Intern lokaler"),
    ("4", "Intern övrigt"),
    ("5", "Helägda kommunala bolag"),
    ("6", "Delägda kommunala bolag"),
    ("7", "Kommunalförbund"),
    ("81", "Staten"),
    ("82", "Regioner"),
    ("83", "Andra kommuner"),
    ("84", "Företag"),
    ("85", "Hushåll"),
    ("89", "Övriga externa"),
)

DIM_ANSVAR = 1
DIM_PROJECT = 6
DIM_ACTIVITY = 20
DIM_COUNTERPART = 21

DIMENSIONS: tuple[tuple[int, str], ...] = (
    (DIM_ANSVAR, "Ansvar"),
    (DIM_PROJECT, "Projekt"),
    (DIM_ACTIVITY, "Verksamhet"),
    (DIM_COUNTERPART, "Motpart"),
)

# --- Organisation blueprint -----------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """A verksamhet: what its units do, cost and staff."""

    name: str
    activity_code: str  # SCB-like verksamhetskod
    activity_name: str
    unit_prefix: str
    weight: float  # share of the municipality's units
    staff_per_unit: float
    monthly_salary: int  # SEK, full time
    women_share: float
    # yearly SEK per full-time employee, by account; revenues negative
    costs_per_fte: dict[str, int] = field(default_factory=dict)
    buys_meals: bool = False
    sells: str | None = None  # "rent", "meals", "it" or "financing"


@dataclass(frozen=True)
class Sector:
    code: str
    name: str
    operations: tuple[tuple[str, Operation], ...]


@dataclass(frozen=True)
class Board:
    code: str
    name: str
    short: str
    sectors: tuple[Sector, ...]


# External costs and revenues per FTE of the operation (SEK a year, revenues negative),
# sized so that the kommun has a real kommun's proportions (docs/source-files.md,
# Proportions): purchases of main activity (4611, 4631) from schools and care providers,
# fees (31xx) where a kommun charges them, riktade statsbidrag (3411) to schools, care and
# social services, sales to other kommuner (3511), and water, sewage and waste paid by fees.
# "7911" is depreciation of streets and plants, not an invoice.
_SCHOOL_COSTS = {"6421": 34000, "6511": 4000, "6711": 12000, "6611": 7000, "6911": 10000,
                 "4011": 3000}
_CARE_COSTS = {"6421": 22000, "6511": 3000, "6711": 20000, "6911": 10000, "6611": 5000}
_OFFICE_COSTS = {"6421": 6000, "6511": 5000, "6611": 45000, "6711": 6000, "6911": 10000}

BOARDS: tuple[Board, ...] = (
    Board("11", "Kommunstyrelsen", "KS", (
        Sector("111", "Kommunledningskontoret", (
            ("1111", Operation("Politisk verksamhet", "010", "Politisk verksamhet", "Politik", 0.4,
                               2, 40000, 0.5, {"5511": 900000, "6911": 120000, "6711": 30000})),
            ("1112", Operation("Ekonomi och HR", "810", "Gemensam administration",
                               "Ekonomi och HR", 0.6, 12, 44000, 0.7,
                               {**_OFFICE_COSTS, "3411": -20000})),
            ("1113", Operation("IT", "811", "IT-stöd", "IT-enheten", 0.4, 8, 46000, 0.3,
                               {"6521": 120000, "6611": 40000, "6421": 4000}, sells="it")),
            ("1114", Operation("Finansförvaltning", "900", "Finansiering", "Finansförvaltning",
                               0.0, 1, 48000, 0.5, {}, sells="financing")),
        )),
    )),
    Board("12", "Barn- och utbildningsnämnden", "BUN", (
        Sector("121", "Sektor förskola och grundskola", (
            ("1211", Operation("Förskola", "407", "Förskola", "Förskolan", 5.0, 14, 33000, 0.95,
                               {**_SCHOOL_COSTS, "4631": 90000, "3111": -45000,
                                "3411": -30000}, buys_meals=True)),
            ("1212", Operation("Grundskola", "440", "Grundskola", "skolan", 4.0, 30, 41000, 0.75,
                               {**_SCHOOL_COSTS, "4631": 170000, "3411": -130000,
                                "3511": -35000}, buys_meals=True)),
            ("1213", Operation("Fritidshem", "425", "Fritidshem", "Fritidshemmet", 1.2, 8, 32000,
                               0.8, {**_SCHOOL_COSTS, "4631": 30000, "3111": -80000,
                                     "3411": -15000},
                               buys_meals=True)),
        )),
        Sector("122", "Sektor gymnasium och vuxenutbildning", (
            ("1221", Operation("Gymnasieskola", "460", "Gymnasieskola", "Gymnasiet", 1.0, 35,
                               43000, 0.6, {**_SCHOOL_COSTS, "4611": 450000, "4631": 80000,
                                            "3411": -80000, "3511": -180000},
                               buys_meals=True)),
            ("1222", Operation("Vuxenutbildning", "470", "Vuxenutbildning", "Lärcentrum", 0.5,
                               10, 41000, 0.6, {**_SCHOOL_COSTS, "4631": 150000,
                                                "3411": -250000})),
        )),
    )),
    Board("13", "Socialnämnden", "SN", (
        Sector("131", "Sektor vård och omsorg", (
            ("1311", Operation("Hemtjänst", "512", "Hemtjänst", "Hemtjänst", 2.5, 28, 31000, 0.9,
                               {**_CARE_COSTS, "4631": 150000, "3121": -35000,
                                "3411": -45000})),
            ("1312", Operation("Särskilt boende", "511", "Särskilt boende", "Äldreboendet", 2.5, 32,
                               31500, 0.88, {**_CARE_COSTS, "6411": 4000, "4631": 150000,
                                             "3121": -45000, "3211": -70000,
                                             "3411": -45000},
                               buys_meals=True)),
            ("1313", Operation("Funktionsstöd LSS", "520", "Insatser enligt LSS", "Gruppbostad",
                               2.0, 12, 31000, 0.8, {**_CARE_COSTS, "4631": 200000,
                                                     "3411": -200000, "3511": -45000})),
        )),
        Sector("132", "Sektor individ- och familjeomsorg", (
            ("1321", Operation("Barn och unga", "550", "Barn och unga", "Barn och unga", 0.8, 10,
                               41000, 0.85, {**_OFFICE_COSTS, "4631": 700000,
                                             "3411": -200000})),
            ("1322", Operation("Ekonomiskt bistånd", "570", "Ekonomiskt bistånd",
                               "Försörjningsstöd",
                               0.5, 9, 40000, 0.85, {**_OFFICE_COSTS, "4711": 1000000,
                                                     "3411": -150000})),
            ("1323", Operation("Missbruk och beroende", "560", "Missbruksvård", "Beroendeenheten",
                               0.4, 7, 41000, 0.7, {**_OFFICE_COSTS, "4631": 450000,
                                                    "3411": -60000})),
        )),
    )),
    Board("14", "Tekniska nämnden", "TN", (
        Sector("141", "Sektor teknik", (
            ("1411", Operation("Fastighet", "820", "Fastighetsförvaltning", "Fastighet", 0.8, 9,
                               37000, 0.3, {"6211": 180000, "6311": 160000, "4011": 60000,
                                            "6611": 20000, "3211": -600000}, sells="rent")),
            ("1412", Operation("Gata och park", "250", "Gator och vägar, parker", "Gata och park",
                               0.6, 10, 35000, 0.25, {"4011": 250000, "4631": 700000,
                                                      "6311": 120000, "6711": 40000,
                                                      "6211": 60000, "3131": -150000,
                                                      "7911": 250000})),
            ("1413", Operation("Måltidsservice", "830", "Måltidsverksamhet", "Köket", 1.0, 8,
                               30000, 0.85, {"6411": 140000, "6421": 8000}, sells="meals")),
            ("1414", Operation("Vatten och avfall", "280", "Vatten, avlopp och avfall",
                               "VA-verket", 0.6, 8, 38000, 0.25,
                               {"4631": 1300000, "6311": 300000, "6211": 350000, "4011": 250000,
                                "6611": 60000, "3141": -3400000, "7911": 550000})),
        )),
    )),
    Board("15", "Kultur- och fritidsnämnden", "KFN", (
        Sector("151", "Sektor kultur och fritid", (
            ("1511", Operation("Bibliotek", "310", "Bibliotek", "Biblioteket", 0.5, 6, 36000, 0.8,
                               {"6421": 60000, "6911": 15000, "3131": -10000,
                                "3411": -10000})),
            ("1512", Operation("Fritidsgårdar", "350", "Fritidsgårdar", "Fritidsgården", 0.6, 5,
                               33000, 0.55, {"6421": 30000, "6911": 12000, "3411": -15000})),
            ("1513", Operation("Idrott och anläggningar", "340", "Idrotts- och fritidsanläggningar",
                               "Idrottshallen", 0.5, 5, 33000, 0.3,
                               {"6211": 150000, "6311": 150000, "6911": 120000,
                                "3131": -220000})),
        )),
    )),
    Board("16", "Bygg- och miljönämnden", "BMN", (
        Sector("161", "Sektor samhällsbyggnad", (
            ("1611", Operation("Bygglov", "215", "Fysisk planering och bygglov", "Bygglov", 0.3, 8,
                               42000, 0.6, {**_OFFICE_COSTS, "3131": -400000})),
            ("1612", Operation("Miljö och hälsoskydd", "260", "Miljö- och hälsoskydd",
                               "Miljöenheten", 0.3, 7, 42000, 0.65,
                               {**_OFFICE_COSTS, "3131": -280000})),
        )),
    )),
)

MUNICIPALITY_NAME = "Exempelkommun"
MUNICIPALITY_CODE = "1"
MUNICIPALITY_ORGNR = "212000-9999"

# --- Names -------------------------------------------------------------------------------------

PLACE_NAMES = (
    "Solrosen", "Blåklockan", "Ekbacken", "Björkhagen", "Lindgården", "Tallåsen", "Granbo",
    "Sjöängen", "Ängsbacken", "Kastanjen", "Lönnen", "Hagalund", "Skogsgläntan", "Östra",
    "Västra", "Norra", "Södra", "Centrum", "Åkerby", "Bergsjö", "Älvsbo", "Kvarnbacken",
    "Rosendal", "Tornet", "Sörgården", "Vallby", "Ekeby", "Strandvik", "Mossen", "Hällby",
    "Fyren", "Klövern", "Vitsippan", "Liljan", "Rönnen", "Tranan", "Måsen", "Ugglan",
    "Svanen", "Örnen",
)

WOMEN_NAMES = (
    "Anna", "Maria", "Karin", "Sara", "Emma", "Lena", "Kerstin", "Eva", "Ingrid", "Johanna",
    "Sofia", "Elin", "Linnéa", "Ida", "Hanna", "Malin", "Åsa", "Maja", "Ebba", "Frida",
)
MEN_NAMES = (
    "Erik", "Lars", "Karl", "Anders", "Johan", "Per", "Nils", "Mikael", "Jonas", "Oskar",
    "Lukas", "Ali", "Mohammed", "Björn", "Göran", "Håkan", "Örjan", "Viktor", "Axel", "Emil",
)
SURNAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson",
    "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Ahmed", "Hassan", "Åberg",
    "Öberg", "Lundqvist",
)

SUPPLIERS = (
    "Lyreco", "Atea", "Telia", "Postnord", "Vattenfall", "Menigo", "Martin & Servera",
    "Skanska", "Ramirent", "Kompetensbolaget", "Taxi Exempel", "Bokus", "Ahlsell", "Dustin",
)
