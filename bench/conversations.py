"""Realistic French conversations for the performance benchmarks (bench_load.py,
profile_turn.py): opening hours, contacts, procedures, follow-ups that rely on the context,
small talk, as citizens write them (informal, typos). Each starts a new conversation."""

from __future__ import annotations

from typing import List

CONVERSATIONS: List[List[str]] = [
    ["Bonjour", "la population c'est ouvert samedi ?", "et c'est où ?", "merci"],
    ["comment renouveler ma carte d'identité ?", "c'est combien ?", "faut prendre rdv ?",
     "ok merci bcp"],
    ["le recyparc est ouvert demain ?", "et dimanche ?", "au revoir"],
    ["slt, quels papiers pour un passeport pour mon fils ?", "ça prend combien de temps ?",
     "et c'est ouvert quand ?"],
    ["numéro de téléphone de l'état civil svp", "vous fermez à quelle heure ?"],
    ["je déménage dans liège, je dois faire quoi ?", "je peux le faire en ligne ?", "merci"],
    ["la piscine de jonfosse est ouverte ce soir ?", "c'est où exactement ?"],
    ["bonjour je voudrais un extrait de casier judiciaire", "c'est gratuit ?", "top merci"],
    ["t'es un robot ?", "ok. horaires de la bibliothèque ?", "bonne journée"],
    ["c'est ouvert le 1er novembre ?", "la population", "et le 2 ?"],
    ["combien coûte la kids id ?", "et les documents à prendre ?", "merci beaucoup"],
    ["comment déclarer une naissance ?", "on a combien de jours pour le faire ?"],
]
