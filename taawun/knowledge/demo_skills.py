"""The demo's skills: a starter vocabulary, and in each demo cooperative its
members' skills (some of them mentor), a service or two, a mentorship under
way and a request waiting for a mentor. Made through the actions, so every
rule applies.

``load_vocabulary`` is safe to run again; ``load`` runs once per
cooperative, when the demo makes it. A person who belongs to two demo
cooperatives keeps the skills they declared first.
"""

from __future__ import annotations

from taawun.knowledge import mentoring_actions, mentoring_queries, skill_actions
from taawun.knowledge.models import PersonSkill, Skill
from taawun.membership import rules
from taawun.membership.models import Cooperative, Member

# (Arabic, English): the starter vocabulary of a network of technology cooperatives.
VOCABULARY = [
    ("بايثون", "Python"),
    ("جانغو", "Django"),
    ("جافاسكربت", "JavaScript"),
    ("HTML و CSS", "HTML and CSS"),
    ("تصميم تجربة المستخدم", "User experience design"),
    ("التصميم الجرافيكي", "Graphic design"),
    ("إتاحة الوصول لذوي الإعاقة", "Accessibility"),
    ("التعريب", "Arabic localisation"),
    ("الترجمة", "Translation"),
    ("الشبكات والموجِّهات", "Networking and routers"),
    ("الشبكات اللاسلكية المجتمعية", "Community wireless networks"),
    ("تمديد الألياف الضوئية", "Fibre installation"),
    ("إدارة أنظمة لينكس", "Linux administration"),
    ("قواعد البيانات", "Databases"),
    ("النشر والتشغيل الآلي", "DevOps and deployment"),
    ("أمن المعلومات", "Information security"),
    ("تطوير تطبيقات الجوال", "Mobile app development"),
    ("اختبار البرمجيات", "Software testing"),
    ("الدعم الفني", "Technical support"),
    ("الكتابة التقنية", "Technical writing"),
    ("تحليل البيانات", "Data analysis"),
    ("إدارة المشاريع", "Project management"),
    ("مسك الدفاتر", "Bookkeeping"),
    ("تيسير الاجتماعات", "Facilitation"),
    ("تعليم المهارات الرقمية", "Teaching digital literacy"),
    ("الحوكمة التعاونية", "Cooperative governance"),
]

# Each cooperative's trade (English names of the vocabulary); the first is
# the skill its demo mentoring is about.
THEMES = {
    "masar-code": [
        "Python",
        "Django",
        "JavaScript",
        "Accessibility",
        "Arabic localisation",
        "User experience design",
        "Software testing",
    ],
    "nawa-net": [
        "Networking and routers",
        "Linux administration",
        "Community wireless networks",
        "Fibre installation",
        "Technical support",
        "Teaching digital literacy",
    ],
    "leeds-tech": [
        "Python",
        "Django",
        "DevOps and deployment",
        "Databases",
        "Accessibility",
        "Technical writing",
    ],
}
COMMON = ["Facilitation", "Bookkeeping", "Cooperative governance"]
LEVELS = [4, 3, 3, 2]

# (title, description, skills) in Arabic and in English.
SERVICES = {
    "masar-code": [
        (
            (
                "تطبيقات ويب عربية أولًا",
                "نبني تطبيقات ويب تعمل بالعربية من اليوم الأول، "
                "على الهواتف البسيطة وبدون جافاسكربت.",
            ),
            (
                "Arabic-first web applications",
                "Web applications that work in Arabic from day one, "
                "on cheap phones and without JavaScript.",
            ),
            ["Python", "Django", "Arabic localisation", "Accessibility"],
        ),
        (
            ("مراجعة إتاحة الوصول", "نراجع مواقعكم مع مستخدمي قارئات الشاشة ونقترح ما يُصلَح أولًا."),
            (
                "Accessibility reviews",
                "We review your site with screen reader users and say what to fix first.",
            ),
            ["Accessibility", "User experience design"],
        ),
    ],
    "nawa-net": [
        (
            ("تركيب شبكات واي فاي مجتمعية", "نصمم الشبكة مع الحي ونركّب الموجّهات وندرّب من يصونها."),
            (
                "Community Wi-Fi installation",
                "We plan the network with the neighbourhood, install the routers "
                "and train those who keep it running.",
            ),
            ["Networking and routers", "Community wireless networks", "Fibre installation"],
        ),
        (
            ("ورشات المهارات الرقمية", "ورشات قصيرة للكبار: البريد، الهاتف، الأمان على الإنترنت."),
            (
                "Digital literacy workshops",
                "Short workshops for adults: email, phones, staying safe online.",
            ),
            ["Teaching digital literacy"],
        ),
    ],
    "leeds-tech": [
        (
            ("تطوير مواقع للجمعيات الخيرية", "مواقع سهلة الصيانة للجمعيات والتعاونيات."),
            (
                "Web development for charities",
                "Sites that charities and co-ops can look after themselves.",
            ),
            ["Python", "Django", "Accessibility"],
        ),
        (
            ("الاستضافة والصيانة", "نستضيف التطبيقات ونحدّثها ونراقبها."),
            ("Hosting and maintenance", "We host, update and watch over your applications."),
            ["DevOps and deployment", "Linux administration"],
        ),
    ],
}

REQUESTS = {
    "ar": (
        "أعرف الأساسيات وأريد أن أكتب أول مشروع حقيقي مع من يراجع عملي.",
        "أريد أن أفهم كيف أبدأ، خطوة خطوة.",
    ),
    "en": (
        "I know the basics and would like someone to review my first real project.",
        "I would like to understand where to start, step by step.",
    ),
}


def load_vocabulary() -> None:
    skill_actions.add_starter_skills({"ar": ar, "en": en} for ar, en in VOCABULARY)


def _skills(english: list[str]) -> list[Skill]:
    wanted = set(english)
    return [s for s in Skill.objects.all() if (s.names or {}).get("en") in wanted]


def _declare(member: Member, english: str, level: int, mentors: bool) -> None:
    skill = next(iter(_skills([english])), None)
    if skill is None or PersonSkill.objects.filter(user=member.user, skill=skill).exists():
        return
    skill_actions.declare_skill(by=member.user, skill=skill, level=level, mentors=mentors)


def load(coop: Cooperative) -> None:
    theme = THEMES.get(coop.slug, THEMES["masar-code"])
    members = list(
        Member.objects.filter(cooperative=coop, status__in=rules.MEMBER_STATUSES)
        .select_related("user", "cooperative")
        .order_by("number")
    )
    for i, member in enumerate(members):
        level = LEVELS[i % len(LEVELS)]
        _declare(member, theme[i % len(theme)], level, mentors=level >= 3)
        _declare(member, theme[(i + 2) % len(theme)], 1 + i % 2, mentors=False)
        if i % 3 == 0:
            _declare(member, COMMON[(i // 3) % len(COMMON)], 3, mentors=i % 2 == 0)

    language = "ar" if coop.languages and coop.languages[0] == "ar" else "en"
    keeper = next((m for m in members if rules.has_power(m, skill_actions.SERVICE_POWER)), None)
    if keeper is not None:
        for ar, en, skills in SERVICES.get(coop.slug, []):
            title, description = ar if language == "ar" else en
            skill_actions.add_service(
                by=keeper.user,
                coop=coop,
                title=title,
                description=description,
                skills=_skills(skills),
            )

    subject = next(iter(_skills([theme[0]])), None)
    if subject is None or len(members) < 3:
        return
    under_way, waiting = REQUESTS[language]
    asked = mentoring_actions.ask_for_mentor(
        by=members[1].user, coop=coop, skill=subject, message=under_way
    )
    proposed = mentoring_queries.proposed_mentors(asked)
    if proposed:
        mentoring_actions.accept_mentorship(asked, by=proposed[0].member.user)
    mentoring_actions.ask_for_mentor(by=members[2].user, coop=coop, skill=subject, message=waiting)
