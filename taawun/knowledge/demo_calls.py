"""The demo cooperatives' calls for collaboration, made through the same
actions as everything else: Masar Code looks for help with a Wi-Fi mesh
for a village school (open, seen by its network, where Nawa's network
builders can answer it) and has closed an earlier call; the other
cooperatives each have one open call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from taawun.knowledge import call_actions as actions
from taawun.knowledge.models import Call, Level, Skill, Visibility
from taawun.knowledge.skill_actions import add_skill, same_skill
from taawun.membership.models import Cooperative, Member

# Names as in the demo vocabulary (demo_skills), so that the same skills are
# found; solar power is not in it and is added.
MESH_NETWORKS = {"en": "Community wireless networks", "ar": "الشبكات اللاسلكية المجتمعية"}
ROUTERS = {"en": "Networking and routers", "ar": "الشبكات والموجِّهات"}
LOCALISATION = {"en": "Arabic localisation", "ar": "التعريب"}
UX = {"en": "User experience design", "ar": "تصميم تجربة المستخدم"}
SOLAR = {"en": "Solar power installation", "ar": "تركيب أنظمة الطاقة الشمسية"}
WEB = {"en": "HTML and CSS", "ar": "HTML و CSS"}
DESIGN = {"en": "Graphic design", "ar": "التصميم الجرافيكي"}


@dataclass(frozen=True)
class DemoCall:
    title: str
    body: str
    terms: str
    needs: tuple[tuple[dict[str, str], int], ...]
    starts_in_days: int | None
    lasts_days: int | None
    visibility: str = Visibility.NETWORK
    closed: bool = False


MESH = DemoCall(
    title="Community Wi-Fi mesh for a village school",
    body="""The primary school of Kafr Saqr, a village of 4,000 people in the Nile Delta,
has one slow DSL line in the head teacher's office and 320 pupils who have never
used the internet at school. With the parents' association we want to build a
small **community Wi-Fi mesh**: a few solar-powered rooftop nodes linking the
school, the youth centre and the health unit, sharing one better connection.

We are looking for:

- someone who has **designed or run a mesh network** (OpenWrt, batman-adv or
  similar) to plan the nodes with us and set up the first three;
- someone to **translate into Arabic** the captive portal, the acceptable-use
  page and a short guide for the teachers, in plain words.

The school pays for the equipment; the work is paid at our usual daily rate, and
we cover travel from Cairo. Teachers will learn to look after the network
themselves, so a patient teacher's touch matters as much as technical skill.
""",
    terms=Call.Terms.PAID,
    needs=((MESH_NETWORKS, Level.ADVANCED), (LOCALISATION, Level.INTERMEDIATE)),
    starts_in_days=21,
    lasts_days=60,
)

USABILITY = DemoCall(
    title="Try our members' app with older members",
    body="""Before we released the new version of our members' app, we wanted to watch
five members over sixty use it for the first time, and fix what confused them.
Volunteers sat with them for an hour each and wrote down what happened.

Thank you to everyone who answered: the sessions are done and the fixes are in.
""",
    terms=Call.Terms.VOLUNTEER,
    needs=((UX, Level.BEGINNER),),
    starts_in_days=-90,
    lasts_days=30,
    closed=True,
)

RELAYS = DemoCall(
    title="طاقة شمسية لمرحّلات الشبكة على الأسطح",
    body="""تنقطع الكهرباء في الحي بضع ساعات كل أسبوع، فتنقطع معها شبكتنا المجتمعية التي
يعتمد عليها أكثر من مئتي بيت. نريد أن نزوّد ستة من مرحّلات الشبكة على الأسطح بألواح
شمسية صغيرة وبطاريات تكفيها ليلة كاملة.

نبحث عن شخص خبير في **تركيب أنظمة الطاقة الشمسية الصغيرة** يصمّم معنا النظام ويدرّب
متطوعينا على تركيبه وصيانته، ويُستحسن أن يعرف شيئًا عن الموجّهات ليضبط استهلاكها.
العمل مدفوع الأجر، والتعاونية توفّر المعدات.
""",
    terms=Call.Terms.PAID,
    needs=((SOLAR, Level.ADVANCED), (ROUTERS, Level.BEGINNER)),
    starts_in_days=14,
    lasts_days=30,
)

WEBSITE = DemoCall(
    title="A simple website for a food co-op",
    body="""Our neighbours at the Chapeltown food co-op need a small website: opening
hours, what is in stock this week, and how to become a member. It must be easy for
their volunteers to update from a phone. We are looking for one developer and one
designer, volunteering a few evenings each.
""",
    terms=Call.Terms.VOLUNTEER,
    needs=((WEB, Level.INTERMEDIATE), (DESIGN, Level.BEGINNER)),
    starts_in_days=7,
    lasts_days=None,
    visibility=Visibility.PUBLIC,
)

CALLS = {"masar-code": (MESH, USABILITY), "nawa-net": (RELAYS,)}
DEFAULT = (WEBSITE,)


def _skill(names: dict[str, str], by: Member) -> Skill:
    """The skill of the shared vocabulary with one of these names, added if
    the vocabulary does not have it yet."""
    found = same_skill(names)
    return found[1] if found is not None else add_skill(by=by.user, names=names)


def load(coop: Cooperative, *, by: Member) -> None:
    """Post ``coop``'s demo calls (call once, right after it is made)."""
    today = timezone.localdate()
    for demo in CALLS.get(coop.slug, DEFAULT):
        starts_on = today + timedelta(days=demo.starts_in_days) if demo.starts_in_days else None
        ends_on = (
            starts_on + timedelta(days=demo.lasts_days) if starts_on and demo.lasts_days else None
        )
        call = actions.post_call(
            by=by.user,
            coop=coop,
            title=demo.title,
            body=demo.body,
            terms=demo.terms,
            needs=[(_skill(names, by), level) for names, level in demo.needs],
            starts_on=starts_on,
            ends_on=ends_on,
            visibility=demo.visibility,
        )
        if demo.closed:
            actions.close_call(call, by=by.user)
