# ruff: noqa: E501, RUF001 - the articles as members write them: paragraphs on one line, Arabic-Indic digits
"""The demo cooperatives' knowledge bases: a few real, useful articles,
written through the same actions as everything else, so that each has its
history. One article is edited once (two revisions), one has a translation,
one has a comment; their visibilities differ (public, our networks, this
cooperative only).

``load`` runs once for each cooperative, when the demo makes it (and does
nothing for a cooperative that already has articles).
"""

from __future__ import annotations

from dataclasses import dataclass

from taawun.knowledge import article_actions as actions
from taawun.knowledge.models import Article, Skill
from taawun.membership.models import Cooperative, Member


@dataclass(frozen=True)
class Text:
    language: str
    title: str
    body: str


@dataclass(frozen=True)
class DemoArticle:
    first: Text
    visibility: str
    tags: str
    # English names of skills of the demo vocabulary (those missing are left out).
    skills: tuple[str, ...] = ()
    # The text after one edit by another member, and the edit's summary.
    edited_body: str = ""
    edit_summary: str = ""
    translation: Text | None = None
    comment: str = ""


CONSENSUS_EN = """Consensus does not mean that everyone loves the proposal. It means that nobody in the room thinks it would harm the cooperative, and that everyone can live with it. This is how we run a consensus meeting in about an hour.

## Before the meeting

- Share the **proposal in writing** at least a week ahead, with the problem it solves.
- Name a **facilitator** (who looks after the process, not the opinions) and a **note-taker**.
- Agree on a time limit and a fallback: what happens if there is no consensus today.

## In the meeting

| Step | What happens | Time |
|---|---|---|
| 1. Present | The proposer explains the proposal and the problem. | 5 min |
| 2. Clarify | Questions only, no opinions yet. | 10 min |
| 3. Discuss | Concerns, ideas and amendments. | 20 min |
| 4. Amend | The proposer rewrites the proposal with the amendments they accept. | 10 min |
| 5. Test | Each person says: I agree, I stand aside, or I block. | 5 min |
{blocks}
## After the meeting

Write the decision in the minutes in one sentence, with who stood aside and why. Publish it on Taawun, so that every member can find it later.
"""

CONSENSUS_BLOCKS_EN = """
## If someone blocks

A block is a serious objection: "this goes against our principles, or would harm us". It is not "I would have done it differently"; that is *standing aside*.

1. Ask the person to explain the harm they see.
2. Look together for an amendment that removes it.
3. If there is none, the proposal does not pass today. Use the fallback you agreed on (often a vote, by the majority the bylaws set, at the next meeting).
"""

CONSENSUS_AR = """التوافق لا يعني أن الجميع متحمّسون للمقترح، بل يعني ألّا يرى أحدٌ من الحاضرين أنه يضرّ بالتعاونية، وأن يستطيع الجميع التعايش معه. هكذا ندير اجتماعًا بالتوافق في نحو ساعة.

## قبل الاجتماع

- شاركوا **المقترح مكتوبًا** قبل أسبوع على الأقل، مع المشكلة التي يعالجها.
- اختاروا **ميسّرًا** يرعى سير النقاش لا الآراء، و**مدوّنًا للمحضر**.
- اتفقوا على مدة محددة وعلى بديل: ماذا نفعل إن لم نبلغ التوافق اليوم.

## في أثناء الاجتماع

| الخطوة | ما يحدث | المدة |
|---|---|---|
| ١. العرض | يشرح صاحب المقترح مقترحه والمشكلة التي يعالجها. | ٥ دقائق |
| ٢. الاستيضاح | أسئلة فقط، دون إبداء الآراء بعد. | ١٠ دقائق |
| ٣. النقاش | المخاوف والأفكار والتعديلات. | ٢٠ دقيقة |
| ٤. التعديل | يعيد صاحب المقترح صياغته بالتعديلات التي يقبلها. | ١٠ دقائق |
| ٥. الاختبار | يقول كل واحد: أوافق، أو أتنحّى، أو أعترض اعتراضًا مانعًا. | ٥ دقائق |

## إذا اعترض أحدٌ اعتراضًا مانعًا

الاعتراض المانع اعتراضٌ جادّ: «هذا يخالف مبادئنا أو يضرّ بنا». أما «كنت سأفعلها بطريقة أخرى» فهو *تنحٍّ* لا اعتراض.

1. اطلبوا من المعترض أن يشرح الضرر الذي يراه.
2. ابحثوا معًا عن تعديل يزيل هذا الضرر.
3. إن لم تجدوه، فلا يُعتمد المقترح اليوم، وطبّقوا البديل الذي اتفقتم عليه (وكثيرًا ما يكون تصويتًا بالأغلبية التي يحددها النظام الداخلي في الاجتماع التالي).

## بعد الاجتماع

اكتبوا القرار في المحضر بجملة واحدة، مع أسماء من تنحّوا وأسبابهم، وانشروه على «تعاون» ليجده كل عضو لاحقًا.
"""

SURPLUS_AR = """في نهاية كل سنة مالية نغلق الدفاتر ونحسب **الفائض الصافي**: ما يبقى من الإيرادات بعد المصروفات والأجور. وهكذا نوزّعه، كما يقضي نظامنا الداخلي وتقرّ الجمعية العامة.

## الترتيب

1. **الاحتياطي** (٢٠٪): يبقى في التعاونية ولا يُوزَّع، ليحمينا في السنوات الصعبة.
2. **صندوق المجتمع** (١٠٪): لتدريب أعضاء جدد ودعم مبادرات رقمية في حيّنا.
3. **عائد المعاملات** (الباقي): يُوزَّع على الأعضاء بحسب ساعات العمل المعتمدة في السنة، لا بحسب رأس المال.

## مثال

إذا كان الفائض ١٠٠٬٠٠٠ جنيه:

| البند | النسبة | المبلغ |
|---|---|---|
| الاحتياطي | ٢٠٪ | ٢٠٬٠٠٠ جنيه |
| صندوق المجتمع | ١٠٪ | ١٠٬٠٠٠ جنيه |
| عائد المعاملات | ٧٠٪ | ٧٠٬٠٠٠ جنيه |

العضو الذي عمل ٩٠٠ ساعة من أصل ٩٬٠٠٠ ساعة معتمدة للجميع ينال عُشر عائد المعاملات، أي ٧٬٠٠٠ جنيه.

## قبل التوزيع

- يعتمد أمين الصندوق كل الساعات المسجّلة قبل إغلاق السنة.
- تُعرض أرقام التوزيع على الأعضاء قبل تصويت الجمعية العامة بأسبوعين.
- تُسجَّل كل حركة في سجل الشفافية، ويستطيع أي عضو أن يتحقق منها بنفسه.
"""

BACKUPS_AR = """القاعدة التي نعمل بها هي **٣-٢-١**: ثلاث نسخ من كل ملف مهم، على وسيطين مختلفين، وواحدة منها خارج المكتب.

## ماذا ننسخ

- قواعد البيانات: حسابات المشتركين والفواتير.
- إعدادات الموجِّهات والخوادم.
- المستندات المشتركة ومحاضر الاجتماعات.

## كيف ننسخ

نستعمل أداة `restic` لأنها تشفّر النسخ ولا تحفظ إلا ما تغيّر، فتوفّر المساحة:

```
restic -r /mnt/backup init
restic -r /mnt/backup backup /srv /etc
restic -r /mnt/backup forget --keep-daily 7 --keep-weekly 4 --keep-monthly 12 --prune
```

نشغّل هذه الأوامر كل ليلة بمؤقّت من `systemd`، ونرسل نسخة أسبوعية إلى قرص عند عضو آخر في مدينة أخرى.

## كلمة المرور

بلا كلمة مرور المستودع لا فائدة من النسخ كلها. نحفظها في خزنة كلمات المرور المشتركة، ويعرفها عضوان على الأقل.
{restore}"""

BACKUPS_RESTORE_AR = """
## جرّبوا الاسترجاع

النسخة التي لم تُجرَّب أملٌ لا نسخة احتياطية. مرة كل شهر يسترجع أحدنا ملفًا عشوائيًا، ويتأكد من سلامته، ويكتب النتيجة في المحضر.
"""

BACKUPS_EN = """Our rule is **3-2-1**: three copies of everything important, on two different kinds of storage, one of them away from the office.

## What we back up

- Databases: subscribers' accounts and invoices.
- The configuration of routers and servers.
- Shared documents and the minutes of meetings.

## How

We use `restic`, because it encrypts the backups and stores only what changed, which saves space:

```
restic -r /mnt/backup init
restic -r /mnt/backup backup /srv /etc
restic -r /mnt/backup forget --keep-daily 7 --keep-weekly 4 --keep-monthly 12 --prune
```

We run these every night with a `systemd` timer, and send a weekly copy to a disk at another member's home, in another town.

## The password

Without the repository's password the backups are useless. We keep it in the shared password vault, and at least two members know it.

## Test a restore

A backup nobody has restored is a hope, not a backup. Once a month one of us restores a random file, checks it, and writes the result in the minutes.
"""

WELCOME_EN = """A new member's first month decides whether they stay. This is our checklist; the new member's buddy works through it with them.

## Week 1

- Pair them with a **buddy** who is not on the board.
- Give them access: email, chat, the password vault and Taawun.
- Read the bylaws together, and last year's minutes of the general meetings.

## Weeks 2 and 3

- They log their hours on Taawun from the first day, so that the habit sticks.
- They sit in on a client call and on a general meeting.
- They pick one small, real piece of work and finish it.

## Week 4

- Half an hour with the buddy: what surprised them, and what is still unclear.
- Ask them to improve one thing in this article. Newcomers see what we no longer see.

See also the [seven cooperative principles](https://www.ica.coop/en/cooperatives/cooperative-identity).
"""

ARTICLES: dict[str, list[DemoArticle]] = {
    "masar-code": [
        DemoArticle(
            first=Text("en", "Running a consensus meeting", CONSENSUS_EN.format(blocks="")),
            edited_body=CONSENSUS_EN.format(blocks=CONSENSUS_BLOCKS_EN),
            edit_summary="Added what to do when someone blocks",
            visibility="public",
            tags="meetings, governance, consensus",
            skills=("Facilitation", "Cooperative governance"),
            translation=Text("ar", "إدارة اجتماع بالتوافق", CONSENSUS_AR),
            comment=(
                "We used this at our last general meeting: the round of clarifying "
                "questions alone saved us half an hour."
            ),
        ),
        DemoArticle(
            first=Text("ar", "كيف نوزّع الفائض", SURPLUS_AR),
            visibility="cooperative",
            tags="الاقتصاد, الفائض, surplus",
            skills=("Bookkeeping", "Cooperative governance"),
        ),
    ],
    "nawa-net": [
        DemoArticle(
            first=Text(
                "ar", "إعداد النسخ الاحتياطية لتعاونية صغيرة", BACKUPS_AR.format(restore="")
            ),
            edited_body=BACKUPS_AR.format(restore=BACKUPS_RESTORE_AR),
            edit_summary="أضفنا تجربة الاسترجاع الشهرية",
            visibility="network",
            tags="backups, النسخ الاحتياطي, sysadmin",
            skills=("Linux administration", "Information security"),
            translation=Text("en", "Setting up backups for a small co-op", BACKUPS_EN),
            comment="جرّبت الاسترجاع هذا الشهر: استغرق عشر دقائق فقط، والملف سليم.",
        ),
    ],
    "leeds-tech": [
        DemoArticle(
            first=Text("en", "Welcoming a new member: the first month", WELCOME_EN),
            visibility="network",
            tags="onboarding, members",
            skills=("Cooperative governance",),
            comment="Week 4 is my favourite: my first fix here was to this very list.",
        ),
    ],
}


def _skills(english_names: tuple[str, ...]) -> list[Skill]:
    return [s for s in Skill.objects.all() if s.names.get("en") in english_names]


def _another_member(coop: Cooperative, author: Member) -> Member:
    """A current member other than the author, to edit and comment (the
    author if there is none)."""
    other = (
        Member.objects.filter(cooperative=coop, status=Member.Status.ACTIVE)
        .exclude(pk=author.pk)
        .select_related("user")
        .order_by("number")
        .first()
    )
    return other or author


def load(coop: Cooperative, *, author: Member) -> None:
    if Article.objects.filter(cooperative=coop).exists():
        return
    other = _another_member(coop, author)
    for demo in ARTICLES.get(coop.slug, ARTICLES["masar-code"]):
        skills = _skills(demo.skills)
        article = actions.write_article(
            by=author.user,
            coop=coop,
            title=demo.first.title,
            body=demo.first.body,
            language=demo.first.language,
            visibility=demo.visibility,
            tags=demo.tags,
            skills=skills,
        )
        if demo.edited_body:
            article = actions.edit_article(
                article,
                by=other.user,
                title=article.title,
                body=demo.edited_body,
                visibility=article.visibility,
                tags=demo.tags,
                skills=skills,
                summary=demo.edit_summary,
            )
        if demo.translation is not None:
            actions.translate_article(
                article,
                by=author.user,
                language=demo.translation.language,
                title=demo.translation.title,
                body=demo.translation.body,
            )
        if demo.comment:
            actions.comment_on_article(article, by=other.user, body=demo.comment)
