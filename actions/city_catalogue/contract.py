"""The canonical catalogue ids of ../shared/CONTRACT.md: every one needs a catalogue entry.

The NLU entities `service` and `procedure` take these values; the contract may grow, never rename.
"""

from typing import Tuple

CONTRACT_SERVICE_IDS: Tuple[str, ...] = (
    "population", "etat_civil", "etrangers", "urbanisme", "mobilite", "proprete", "taxes",
    "recyparc", "bibliotheque", "piscine", "cpas", "police", "objets_trouves", "hotel_de_ville",
)

CONTRACT_PROCEDURE_IDS: Tuple[str, ...] = (
    "carte_identite", "kids_id", "passeport", "permis_conduire", "acte_naissance",
    "acte_mariage", "acte_deces", "casier_judiciaire", "changement_adresse",
    "composition_menage", "certificat_residence", "mariage", "cohabitation_legale",
    "nationalite", "declaration_naissance", "declaration_deces", "reconnaissance_enfant",
    "legalisation", "carte_riverain", "permis_urbanisme", "titre_sejour", "encombrants",
    "don_organes",
)
