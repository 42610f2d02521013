"""A seeded synthetic population of people encountered at the border, with ground truth.

Nothing here is real: names are drawn from short lists of common names of each naming
tradition; dates, A-numbers and document numbers are random. The population is built to be
*hard in the ways real border records are hard*, so that the linkage model can be measured:

* **Naming conventions.** Mexican, Central American (Guatemala, Honduras, El Salvador,
  Nicaragua), Venezuelan, Cuban, Colombian and Ecuadorian people carry one or two given names
  and two surnames (father's first surname, then mother's first surname). Haitian people carry
  French or Creole given names, often compound or hyphenated ("Jean-Robert", "Marie Carmel"),
  and a single surname. Indian people carry a given name and one surname.
* **Units.** About a third of units are families: one or two parents with one to four
  children; children take the father's first surname then the mother's first surname (one
  surname in the Haitian and Indian traditions). The rest are single adults.
* **Repeat encounters.** Each unit is encountered once, and again with probability
  ``REENCOUNTER_P`` after each encounter (geometric), so that about 27 % of encounters are of
  people encountered before (CBP's July 2021 figure for Title 42 expulsions, fact ST-12).
  Every person of a family is recorded at each of the family's encounters.
* **Corruption.** Each record is the person's identity as written down at that encounter:
  independently per record, the kinds in :data:`CORRUPTION_KINDS` are applied with the
  probabilities in :data:`CORRUPTION_RATES`. The ground truth lists, per record, the true
  identity and the kinds applied.

The same ``(n, seed)`` always gives the same records (``random.Random(seed)`` only).
"""

from __future__ import annotations

import csv
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from asilo import outputfiles
from asilo.linkage.records import RECORD_COLUMNS, TRUTH_COLUMNS, RecordFields

REENCOUNTER_P = 0.27
FAMILY_SHARE = 0.33

#: Corruption kinds, in the order they are applied.
CORRUPTION_KINDS: tuple[str, ...] = (
    "lost_accents",
    "abbreviated_given_name",
    "dropped_given_name",
    "typo",
    "swapped_surnames",
    "dropped_second_surname",
    "day_month_swapped",
    "year_only_date",
    "date_error",
    "missing_fields",
)

#: Probability that each kind is applied to one record (when it can apply).
CORRUPTION_RATES: dict[str, float] = {
    "lost_accents": 0.35,
    "abbreviated_given_name": 0.25,  # of names with an abbreviable first given name
    "dropped_given_name": 0.10,  # of compound given names
    "typo": 0.10,
    "swapped_surnames": 0.05,
    "dropped_second_surname": 0.12,
    "day_month_swapped": 0.03,
    "year_only_date": 0.03,
    "date_error": 0.02,
    "missing_fields": 0.04,
}

# --- name lists -------------------------------------------------------------------------

_HISPANIC_SURNAMES = [
    "García",
    "González",
    "Hernández",
    "López",
    "Martínez",
    "Rodríguez",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Flores",
    "Cruz",
    "Gómez",
    "Morales",
    "Vásquez",
    "Reyes",
    "Jiménez",
    "Torres",
    "Díaz",
    "Gutiérrez",
    "Ruiz",
    "Mendoza",
    "Aguilar",
    "Ortiz",
    "Moreno",
    "Castillo",
    "Romero",
    "Álvarez",
    "Méndez",
    "Chávez",
    "Rivera",
    "Juárez",
    "Ramos",
    "Domínguez",
    "Herrera",
    "Medina",
    "Castro",
    "Vargas",
    "Guzmán",
    "Velázquez",
    "Muñoz",
    "Rojas",
    "Contreras",
    "Salazar",
    "Luna",
    "Ortega",
    "Santiago",
    "Guerrero",
    "Estrada",
    "Bautista",
    "Cortés",
    "Soto",
    "Alvarado",
    "Espinoza",
    "Lara",
    "Ávila",
    "Ríos",
    "Cervantes",
    "Silva",
    "Delgado",
    "Vega",
    "Márquez",
    "Sandoval",
    "Fernández",
    "León",
    "Carrillo",
    "Mejía",
    "Solís",
    "Núñez",
    "Rosas",
    "Ibarra",
    "Valdez",
    "Campos",
    "Orozco",
    "Navarro",
    "Maldonado",
    "Rosales",
    "Escobar",
    "Velásquez",
    "Acosta",
    "Pineda",
    "Zelaya",
    "Cabrera",
    "Figueroa",
    "Osorio",
    "Fuentes",
    "Cardona",
    "Paz",
    "Barrios",
    "Portillo",
    "Ayala",
    "Argueta",
    "Alfaro",
    "Molina",
    "Serrano",
    "Quintanilla",
    "Cáceres",
    "Orellana",
    "Lemus",
    "Girón",
    "Calderón",
    "Marroquín",
    "Chinchilla",
    "Arévalo",
    "Henríquez",
    "Padilla",
    "Benítez",
    "Montes",
    "Tapia",
    "Villalobos",
    "Pacheco",
    "Zamora",
    "Cuevas",
    "Trejo",
    "Robles",
    "Barrera",
    "Galindo",
    "Salinas",
    "Cordero",
    "Bonilla",
    "Palacios",
    "Peña",
    "Fajardo",
    "Suárez",
    "Nieves",
    "Betancourt",
    "Quiñones",
    "Cedeño",
    "Zambrano",
    "Briceño",
    "Parra",
    "Carmona",
    "Chirinos",
    "Colmenares",
    "Urdaneta",
    "Machado",
    "Rondón",
    "Guevara",
    "Lozada",
    "Sequera",
    "Ochoa",
    "Prieto",
    "Aguirre",
    "Alonso",
    "Amaya",
    "Andrade",
    "Aparicio",
    "Aranda",
    "Arias",
    "Arroyo",
    "Avendaño",
    "Bermúdez",
    "Blanco",
    "Bravo",
    "Bustamante",
    "Caballero",
    "Camacho",
    "Canales",
    "Cano",
    "Cárdenas",
    "Carranza",
    "Casas",
    "Castañeda",
    "Ceballos",
    "Cisneros",
    "Coronado",
    "Corrales",
    "Cuéllar",
    "Dávila",
    "Duarte",
    "Durán",
    "Echeverría",
    "Enríquez",
    "Escalante",
    "Esquivel",
    "Farías",
    "Franco",
    "Gallardo",
    "Gallegos",
    "Garza",
    "Gil",
    "Godoy",
    "Granados",
    "Guerra",
    "Hidalgo",
    "Huerta",
    "Iglesias",
    "Jaramillo",
    "Lagos",
    "Landaverde",
    "Lazo",
    "Leiva",
    "Linares",
    "Lobo",
    "Lucero",
    "Macías",
    "Madrid",
    "Mancía",
    "Manzano",
    "Mata",
    "Meléndez",
    "Mena",
    "Miranda",
    "Montenegro",
    "Montoya",
    "Mora",
    "Murillo",
    "Nava",
    "Noriega",
    "Olivares",
    "Olmos",
    "Oliva",
    "Ordóñez",
    "Osuna",
    "Pantoja",
    "Pardo",
    "Paredes",
    "Pastor",
    "Pereira",
    "Pichardo",
    "Ponce",
    "Quezada",
    "Quintero",
    "Rangel",
    "Rentería",
    "Rincón",
    "Rivas",
    "Rocha",
    "Román",
    "Rubio",
    "Saavedra",
    "Salas",
    "Salgado",
    "Sáenz",
    "Santana",
    "Sarmiento",
    "Segura",
    "Sierra",
    "Solano",
    "Sosa",
    "Tejada",
    "Tobar",
    "Toledo",
    "Urbina",
    "Valencia",
    "Valle",
    "Varela",
    "Vázquez",
    "Velasco",
    "Vera",
    "Villanueva",
    "Villeda",
    "Zapata",
    "Zavala",
    "Zúñiga",
]
_HAITIAN_SURNAMES = [
    "Pierre",
    "Joseph",
    "Jean",
    "Louis",
    "Charles",
    "Jean-Baptiste",
    "François",
    "Paul",
    "Étienne",
    "Michel",
    "Augustin",
    "Désir",
    "Saint-Fleur",
    "Jacques",
    "Dorvil",
    "Célestin",
    "Noël",
    "Alexis",
    "Antoine",
    "Baptiste",
    "Calixte",
    "Céus",
    "Dieujuste",
    "Exantus",
    "Fils-Aimé",
    "Guerrier",
    "Hyppolite",
    "Joachim",
    "Laguerre",
    "Lafleur",
    "Métellus",
    "Narcisse",
    "Petit-Frère",
    "Philogène",
    "Raphaël",
    "Saint-Louis",
    "Thélusma",
    "Toussaint",
    "Valcin",
    "Vilsaint",
    "Zéphirin",
]
_INDIAN_SURNAMES = [
    "Singh",
    "Kaur",
    "Patel",
    "Sharma",
    "Kumar",
    "Gill",
    "Sandhu",
    "Sidhu",
    "Dhillon",
    "Grewal",
]

_HISPANIC_MALE = [
    "José",
    "Juan",
    "Luis",
    "Carlos",
    "Jorge",
    "Miguel",
    "Francisco",
    "Pedro",
    "Manuel",
    "Antonio",
    "Jesús",
    "Alejandro",
    "Fernando",
    "Ricardo",
    "Roberto",
    "Eduardo",
    "Mario",
    "Javier",
    "Sergio",
    "Óscar",
    "Rafael",
    "Daniel",
    "David",
    "Andrés",
    "Ángel",
    "Víctor",
    "Héctor",
    "Raúl",
    "Arturo",
    "Marvin",
    "Wilmer",
    "Kevin",
    "Elmer",
    "Edwin",
    "Selvin",
    "Nelson",
    "Erick",
    "Brayan",
    "Yeison",
    "Jonathan",
    "Cristian",
    "Josué",
    "Darwin",
    "Henry",
    "Byron",
    "Santos",
    "Julio",
    "César",
    "Gustavo",
    "Rubén",
    "Ramón",
    "Guadalupe",
    "Enrique",
    "Alberto",
    "Ernesto",
    "Yoandri",
    "Yunior",
    "Yosvani",
    "Reinier",
    "Maikel",
    "Yordanis",
    "Leonel",
    "Alexis",
    "Ronald",
    "Anderson",
    "Jhon",
    "Wilson",
    "Edgar",
    "Rigoberto",
    "Esteban",
    "Gerardo",
    "Abel",
    "Adrián",
    "Agustín",
    "Alfredo",
    "Álvaro",
    "Armando",
    "Benjamín",
    "Bernardo",
    "Camilo",
    "Cristóbal",
    "Diego",
    "Efraín",
    "Elías",
    "Emilio",
    "Fabián",
    "Felipe",
    "Gilberto",
    "Gonzalo",
    "Hugo",
    "Ignacio",
    "Iván",
    "Jaime",
    "Joel",
    "Leonardo",
    "Lorenzo",
    "Marcos",
    "Mauricio",
    "Moisés",
    "Nicolás",
    "Noé",
    "Orlando",
    "Osvaldo",
    "Pablo",
    "Ramiro",
    "Rodrigo",
    "Salvador",
    "Saúl",
    "Sebastián",
    "Tomás",
    "Ulises",
    "Vicente",
    "Walter",
    "Wilfredo",
    "Yair",
    "Yonatan",
    "Yerson",
]
_HISPANIC_FEMALE = [
    "María",
    "Ana",
    "Rosa",
    "Carmen",
    "Guadalupe",
    "Juana",
    "Margarita",
    "Verónica",
    "Patricia",
    "Elena",
    "Laura",
    "Gabriela",
    "Sofía",
    "Isabel",
    "Lucía",
    "Andrea",
    "Daniela",
    "Alejandra",
    "Fernanda",
    "Valeria",
    "Karla",
    "Paola",
    "Mariela",
    "Glenda",
    "Yesenia",
    "Sandra",
    "Wendy",
    "Dayana",
    "Yanelis",
    "Yaimara",
    "Yudith",
    "Yuliana",
    "Yorgelis",
    "Nayeli",
    "Xiomara",
    "Esmeralda",
    "Marisol",
    "Teresa",
    "Josefa",
    "Julia",
    "Lorena",
    "Claudia",
    "Silvia",
    "Mercedes",
    "Dolores",
    "Reina",
    "Maritza",
    "Ingrid",
    "Heidi",
    "Leticia",
    "Beatriz",
    "Rocío",
    "Noemí",
    "Dulce",
    "Araceli",
    "Carolina",
    "Fabiola",
    "Milagros",
    "Adriana",
    "Alicia",
    "Amparo",
    "Ángela",
    "Antonia",
    "Aurora",
    "Blanca",
    "Brenda",
    "Catalina",
    "Cecilia",
    "Cristina",
    "Diana",
    "Elizabeth",
    "Elvira",
    "Emilia",
    "Estela",
    "Eva",
    "Flor",
    "Gloria",
    "Graciela",
    "Irma",
    "Jazmín",
    "Jennifer",
    "Jimena",
    "Karen",
    "Katherine",
    "Liliana",
    "Lourdes",
    "Luz",
    "Magdalena",
    "Marcela",
    "Martha",
    "Miriam",
    "Mónica",
    "Nancy",
    "Natalia",
    "Norma",
    "Olga",
    "Pilar",
    "Raquel",
    "Ruth",
    "Sara",
    "Susana",
    "Tania",
    "Vanessa",
    "Victoria",
    "Ximena",
    "Yolanda",
]
_HAITIAN_MALE = [
    "Jean",
    "Jean-Robert",
    "Jean-Claude",
    "Wilson",
    "Peterson",
    "Jameson",
    "Frantz",
    "Ricardo",
    "Stanley",
    "Wilner",
    "Fritznel",
    "Jonas",
    "Emmanuel",
    "Junior",
    "Dieudonné",
    "Lovensky",
    "Schneider",
    "Woodly",
    "Kervens",
    "Mackenson",
    "Jean-Pierre",
    "Ronald",
    "Evens",
    "Roodly",
    "Gérald",
    "Réginald",
    "Clarens",
    "Joseph",
    "Samuel",
]
_HAITIAN_FEMALE = [
    "Marie",
    "Marie-Carmel",
    "Marie-Ange",
    "Nadège",
    "Rose-Marie",
    "Guerline",
    "Fabienne",
    "Mirlande",
    "Widline",
    "Roseline",
    "Jésula",
    "Nathalie",
    "Wideline",
    "Lovely",
    "Esther",
    "Myrlande",
    "Sandra",
    "Farah",
    "Sherline",
    "Darline",
    "Judith",
    "Roselaure",
    "Christela",
    "Dieula",
    "Edeline",
    "Magalie",
    "Naomie",
    "Stéphanie",
    "Bethina",
    "Fedeline",
]
_INDIAN_MALE = [
    "Gurpreet",
    "Harpreet",
    "Manpreet",
    "Sukhwinder",
    "Rajesh",
    "Amit",
    "Vikram",
    "Arjun",
    "Jaswinder",
]
_INDIAN_FEMALE = [
    "Simran",
    "Harleen",
    "Navjot",
    "Priya",
    "Pooja",
    "Amandeep",
    "Kiranjit",
    "Rajwinder",
    "Sunita",
]

#: Abbreviations written on forms for a first given name (the linkage normaliser expands
#: the first two back; "J." stays ambiguous on purpose).
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "María": ("Ma.", "Ma", "Mª"),
    "Francisco": ("Fco.", "Fco"),
    "Guadalupe": ("Gpe.", "Lupe"),
    "José": ("J.", "Jse."),
    "Juan": ("J.",),
    "Jesús": ("Jesus",),
    "Marie": ("M.",),
    "Jean": ("J.",),
}


@dataclass(frozen=True)
class Convention:
    """One naming tradition and the nationalities that carry it, with their weights."""

    nationalities: tuple[tuple[str, float], ...]
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    two_surnames: bool
    compound_given_p: float
    weight: float


CONVENTIONS: tuple[Convention, ...] = (
    Convention(
        (("MEX", 1.0),),
        tuple(_HISPANIC_MALE),
        tuple(_HISPANIC_FEMALE),
        tuple(_HISPANIC_SURNAMES),
        True,
        0.45,
        0.34,
    ),
    Convention(
        (("GTM", 0.4), ("HND", 0.35), ("SLV", 0.15), ("NIC", 0.10)),
        tuple(_HISPANIC_MALE),
        tuple(_HISPANIC_FEMALE),
        tuple(_HISPANIC_SURNAMES),
        True,
        0.55,
        0.30,
    ),
    Convention(
        (("VEN", 0.6), ("COL", 0.25), ("ECU", 0.15)),
        tuple(_HISPANIC_MALE),
        tuple(_HISPANIC_FEMALE),
        tuple(_HISPANIC_SURNAMES),
        True,
        0.50,
        0.16,
    ),
    Convention(
        (("CUB", 1.0),),
        tuple(_HISPANIC_MALE),
        tuple(_HISPANIC_FEMALE),
        tuple(_HISPANIC_SURNAMES),
        True,
        0.40,
        0.08,
    ),
    Convention(
        (("HTI", 1.0),),
        tuple(_HAITIAN_MALE),
        tuple(_HAITIAN_FEMALE),
        tuple(_HAITIAN_SURNAMES),
        False,
        0.35,
        0.09,
    ),
    Convention(
        (("IND", 1.0),),
        tuple(_INDIAN_MALE),
        tuple(_INDIAN_FEMALE),
        tuple(_INDIAN_SURNAMES),
        False,
        0.0,
        0.03,
    ),
)


@dataclass(frozen=True)
class Person:
    """A true identity."""

    identity_id: str
    given_names: str
    first_surname: str
    second_surname: str
    date_of_birth: date
    sex: str
    nationality: str
    a_number: str
    document_number: str


@dataclass(frozen=True)
class Record(RecordFields):
    """One person as written down at one encounter, with its ground truth."""

    true_identity_id: str
    corruptions: list[str] = field(default_factory=list)


def strip_accents(text: str) -> str:
    """``"López" -> "Lopez"``: what a form or keyboard without accents does."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ª", "a")


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.next_identity = 0
        self.a_numbers: set[str] = set()

    # -- people ---------------------------------------------------------------------
    def _pick_convention(self) -> Convention:
        return self.rng.choices(CONVENTIONS, weights=[c.weight for c in CONVENTIONS])[0]

    def _nationality(self, conv: Convention) -> str:
        codes = [c for c, _ in conv.nationalities]
        weights = [w for _, w in conv.nationalities]
        return self.rng.choices(codes, weights=weights)[0]

    def _zipf(self, items: tuple[str, ...]) -> str:
        # Common names are much more common: a skewed draw towards the head of the list.
        n = len(items)
        idx = int(n * (self.rng.random() ** 1.5))
        return items[min(idx, n - 1)]

    def _given(self, conv: Convention, sex: str) -> str:
        pool = conv.male if sex == "M" else conv.female
        first = self._zipf(pool)
        if self.rng.random() < conv.compound_given_p:
            second = self._zipf(pool)
            if second != first and "-" not in first and "-" not in second:
                return f"{first} {second}"
        return first

    def _birth(self, min_age: int, max_age: int) -> date:
        reference = date(2026, 1, 1)
        days = self.rng.randint(min_age * 365, max_age * 365 + 364)
        return reference - timedelta(days=days)

    def _person(
        self,
        conv: Convention,
        nationality: str,
        sex: str,
        first_surname: str,
        second_surname: str,
        birth: date,
        adult: bool,
    ) -> Person:
        self.next_identity += 1
        a_number = ""
        if self.rng.random() < 0.55:
            while True:
                a_number = f"{self.rng.randint(200_000_000, 249_999_999):09d}"
                if a_number not in self.a_numbers:
                    self.a_numbers.add(a_number)
                    break
        document = ""
        if self.rng.random() < (0.45 if adult else 0.2):
            letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
            document = self.rng.choice(letters) + f"{self.rng.randint(0, 99_999_999):08d}"
        return Person(
            identity_id=f"P{self.next_identity:08d}",
            given_names=self._given(conv, sex),
            first_surname=first_surname,
            second_surname=second_surname,
            date_of_birth=birth,
            sex=sex,
            nationality=nationality,
            a_number=a_number,
            document_number=document,
        )

    def unit(self) -> list[Person]:
        conv = self._pick_convention()
        nationality = self._nationality(conv)

        def surnames() -> tuple[str, str]:
            first = self._zipf(conv.surnames)
            second = self._zipf(conv.surnames) if conv.two_surnames else ""
            return first, second

        if self.rng.random() >= FAMILY_SHARE:
            sex = "M" if self.rng.random() < 0.7 else "F"
            f, s = surnames()
            return [self._person(conv, nationality, sex, f, s, self._birth(18, 60), True)]
        # A family: one or two parents and one to four children.
        father_surnames = surnames()
        mother_surnames = surnames()
        members: list[Person] = []
        two_parents = self.rng.random() < 0.55
        if two_parents or self.rng.random() < 0.25:
            members.append(
                self._person(conv, nationality, "M", *father_surnames, self._birth(20, 50), True)
            )
        if two_parents or not members:
            members.append(
                self._person(conv, nationality, "F", *mother_surnames, self._birth(18, 45), True)
            )
        child_first = father_surnames[0] if two_parents else members[0].first_surname
        child_second = mother_surnames[0] if conv.two_surnames else ""
        if not two_parents and conv.two_surnames:
            child_first, child_second = members[0].first_surname, members[0].second_surname
        children = self.rng.choice((1, 1, 2, 2, 2, 3, 3, 4))
        for _ in range(children):
            sex = "M" if self.rng.random() < 0.5 else "F"
            members.append(
                self._person(
                    conv, nationality, sex, child_first, child_second, self._birth(0, 17), False
                )
            )
        return members

    # -- corruption ------------------------------------------------------------------
    def _typo(self, text: str) -> str:
        if len(text) < 3:
            return text
        i = self.rng.randrange(1, len(text))
        op = self.rng.random()
        letters = "abcdefghijklmnopqrstuvwxyz"
        if op < 0.3:  # substitution
            return text[:i] + self.rng.choice(letters) + text[i + 1 :]
        if op < 0.55:  # deletion
            return text[:i] + text[i + 1 :]
        if op < 0.8:  # insertion
            return text[:i] + self.rng.choice(letters) + text[i:]
        if i < len(text) - 1:  # transposition
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        return text[:i]

    def record(self, person: Person, record_id: str) -> Record:
        rng = self.rng
        given = person.given_names
        first = person.first_surname
        second = person.second_surname
        birth = person.date_of_birth
        dob = birth.isoformat()
        sex = person.sex
        nationality = person.nationality
        kinds: list[str] = []
        rate = CORRUPTION_RATES

        tokens = given.split(" ")
        head = tokens[0]
        if (
            head in ABBREVIATIONS
            and len(tokens) > 1
            and rng.random() < rate["abbreviated_given_name"]
        ):
            tokens[0] = rng.choice(ABBREVIATIONS[head])
            given = " ".join(tokens)
            kinds.append("abbreviated_given_name")
        elif len(tokens) > 1 and rng.random() < rate["dropped_given_name"]:
            given = tokens[0]
            kinds.append("dropped_given_name")
        if rng.random() < rate["typo"]:
            target = rng.random()
            if target < 0.45:
                given = self._typo(given)
            elif target < 0.85 or not second:
                first = self._typo(first)
            else:
                second = self._typo(second)
            kinds.append("typo")
        if second and rng.random() < rate["swapped_surnames"]:
            first, second = second, first
            kinds.append("swapped_surnames")
        elif second and rng.random() < rate["dropped_second_surname"]:
            second = ""
            kinds.append("dropped_second_surname")
        if (
            birth.day <= 12
            and birth.day != birth.month
            and rng.random() < rate["day_month_swapped"]
        ):
            dob = f"{birth.year:04d}-{birth.day:02d}-{birth.month:02d}"
            kinds.append("day_month_swapped")
        elif rng.random() < rate["year_only_date"]:
            dob = f"{birth.year:04d}"
            kinds.append("year_only_date")
        elif rng.random() < rate["date_error"]:
            if rng.random() < 0.5:
                shifted = birth + timedelta(days=rng.choice((-1, 1)) * rng.randint(1, 300))
            else:  # a wrong digit in the day
                day = max(1, min(28, birth.day + rng.choice((-10, 10, -1, 1))))
                shifted = birth.replace(day=day)
            if shifted != birth:
                dob = shifted.isoformat()
                kinds.append("date_error")
        if rng.random() < rate["missing_fields"]:
            dropped = False
            if rng.random() < 0.3:
                dob, dropped = "", True
            if rng.random() < 0.4:
                sex, dropped = "", True
            if rng.random() < 0.5 or not dropped:
                nationality = ""
            kinds.append("missing_fields")
        if rng.random() < rate["lost_accents"]:
            stripped = [strip_accents(x) for x in (given, first, second)]
            if stripped != [given, first, second]:
                given, first, second = stripped
                kinds.append("lost_accents")
        # Formatting that carries no information (not a corruption): case and hyphens.
        style = rng.random()
        if style < 0.25:
            given, first, second = given.upper(), first.upper(), second.upper()
        if "-" in given + first and rng.random() < 0.3:
            given, first = given.replace("-", " "), first.replace("-", " ")

        a_number = person.a_number if person.a_number and rng.random() < 0.6 else ""
        document = person.document_number if person.document_number and rng.random() < 0.6 else ""
        return Record(
            record_id=record_id,
            given_names=given,
            first_surname=first,
            second_surname=second,
            date_of_birth=dob,
            sex=sex,
            nationality=nationality,
            a_number=a_number,
            document_number=document,
            true_identity_id=person.identity_id,
            corruptions=[k for k in CORRUPTION_KINDS if k in kinds],
        )


def generate(n: int, seed: int) -> list[Record]:
    """``n`` records (in random order) of a population encountered at the border."""
    if n < 0:
        raise ValueError("the number of records cannot be negative")
    gen = _Generator(seed)
    encounters: list[Person] = []
    while len(encounters) < n:
        unit = gen.unit()
        encounters.extend(unit)
        while gen.rng.random() < REENCOUNTER_P:
            encounters.extend(unit)
    encounters = encounters[:n]
    gen.rng.shuffle(encounters)
    width = max(7, len(str(n)))
    return [gen.record(p, f"R{i + 1:0{width}d}") for i, p in enumerate(encounters)]


def _rows(records: list[Record]) -> Iterator[list[str]]:
    for r in records:
        yield r.row()


def write(records: list[Record], records_path: Path, truth_path: Path | None) -> None:
    """Write the records (``R.csv`` columns) and, if asked, the ground truth file, each
    replaced only once complete (:mod:`asilo.outputfiles`: both targets are checked first)."""
    for path in (records_path, truth_path):
        if path is not None:
            outputfiles.check_target(path)
    with (
        outputfiles.replacing(records_path) as temporary,
        temporary.open("w", newline="", encoding="utf-8") as fh,
    ):
        w = csv.writer(fh)
        w.writerow(RECORD_COLUMNS)
        w.writerows(_rows(records))
    if truth_path is not None:
        with (
            outputfiles.replacing(truth_path) as temporary,
            temporary.open("w", newline="", encoding="utf-8") as fh,
        ):
            w = csv.writer(fh)
            w.writerow(TRUTH_COLUMNS)
            w.writerows([r.record_id, r.true_identity_id, ";".join(r.corruptions)] for r in records)
