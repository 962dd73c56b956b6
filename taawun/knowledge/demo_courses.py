# ruff: noqa: RUF001 - the Arabic lessons number their steps in Arabic-Indic digits
"""The demo network's starter course on digital literacy, "Safe steps
online", in English and in Arabic (one family, open to everyone), made
through the same actions as everything else.

It is written for people new to technology: plain words, short steps, what
to do when something goes wrong. The Arabic is written for Arabic readers,
not translated word for word.
"""

from __future__ import annotations

from taawun.knowledge import course_actions as actions
from taawun.knowledge.models import Course, Skill, Visibility
from taawun.knowledge.skill_actions import add_skill, same_skill
from taawun.membership.models import Cooperative, Member

DIGITAL_LITERACY = {"en": "Digital literacy", "ar": "المهارات الرقمية"}

EN_TITLE = "Safe steps online"
EN_SUMMARY = (
    "Three short lessons for anyone who is new to computers and phones, or who "
    "would like to feel safer using them: how to spot a dangerous email, how to "
    "keep your accounts safe with good passwords, and how to take part in a vote "
    "of your cooperative on Taawun. No experience needed."
)

EN_LESSONS = [
    (
        "Using email safely",
        """Email is how your cooperative, your bank and your friends reach you. It is
also how most tricks and thefts online begin. A fake message that tries to make
you give away a password, send money or open a harmful file is called
**phishing** (like "fishing": the sender throws out bait and waits).

The good news: a few simple habits stop almost all of it.

## Signs that a message may be a trick

Stop and think when a message:

- **hurries you**: "Your account will be closed today", "Act within one hour";
- **asks for a password, a code or card details**: no real bank, shop or
  cooperative asks for these by email;
- **offers something too good to be true**: a prize, a refund, an inheritance;
- **greets you in a general way** ("Dear customer") when the sender should know
  your name;
- **has an attachment or a link you did not expect**, even from someone you know
  (their account may have been stolen);
- has strange spelling, or a logo that looks slightly wrong.

One sign is enough to be careful. Most tricks have two or three.

## Check who really sent it

The name you see first can be anything: anyone can call themselves "Taawun
Support". Look at the **full email address** after the name. On a phone, tap
the name to see it.

- Read the part after the **@** carefully, from the right. `taawun.coop` is not
  the same as `taawun.coop.account-check.com` or `taawvn.coop`.
- A message from a company that comes from a free address (such as one ending in
  `@gmail.com`) is suspicious.

## Links

A link can show one address and take you to another.

- On a computer, rest the mouse pointer on the link without clicking: the real
  address appears at the bottom of the window. On a phone, press and hold the
  link.
- Safer still: **do not use the link**. Open the website yourself, by typing its
  address or using a bookmark you made earlier, and sign in there.
- Never type your password on a page you reached from an email link.

## Attachments

Files can carry programs that take over your device.

- Do not open an attachment you were not expecting. Ask the sender first,
  **in another way**: call them or send them a new message (do not reply to
  the suspicious one).
- Be especially careful with files ending in `.exe`, `.scr`, `.zip` or `.js`, and
  with documents that ask you to "enable content" or "enable macros".

## If in doubt

- Ask someone you trust, such as your cooperative's secretary, before you act.
- Taawun and your cooperative will **never** ask for your password by email.
- Delete the message, or mark it as spam or phishing so that your email service
  learns from it.

## If you already clicked

It happens to careful people too. Act quickly and without shame:

1. If you typed a password, change it now, on the real website, and on every
   other account where you used the same one.
2. If you gave card or bank details, call your bank.
3. Tell your cooperative, so that others can be warned.
""",
    ),
    (
        "Strong passwords and two-step verification",
        """Your password is the key to your account. Someone who has it can read your
email, speak in your name and, on Taawun, act as you in your cooperative.
Criminals do not guess passwords one by one: computers try millions a second,
and lists of stolen passwords are traded openly. Here is how to stay ahead.

## Long beats clever

A **long passphrase** is both stronger and easier to remember than a short,
complicated password.

- Take **four or more ordinary words** that have nothing to do with each other
  and with you, for example *lemon camel window rain* (do not use this one:
  it is now printed in a course!).
- Length matters most. `P@ssw0rd1` looks clever but is broken in seconds;
  four random words take centuries.
- Avoid anything someone could learn about you: names of children, birthdays,
  your village, your football team.

## Never use a password twice

Websites get broken into. When one does, criminals try the stolen email and
password on every other site. If you use the same password everywhere, **one
leak opens all your doors**. Every account needs its own password.

## Let a password manager remember them

Nobody can remember fifty passphrases. A **password manager** is an app that
remembers them for you, fills them in, and can make new strong ones.

- You remember **one** strong passphrase, to open the manager. Make it the best
  one you have, and never use it anywhere else.
- Good free ones exist, such as Bitwarden and KeePassXC. Web browsers also have
  a built-in one, which is far better than reusing a password.
- If you prefer paper, a notebook kept at home, away from the computer, is
  better than one password for everything.

## Two-step verification

With **two-step verification** (also called two-factor authentication), signing
in needs your password *and* something you have, usually a code from an app
on your phone or a text message. A thief who steals your password still cannot
get in.

- Turn it on **first for your email**: whoever controls your email can reset the
  password of every other account.
- Keep the backup codes the service gives you somewhere safe, on paper, in case
  you lose your phone.

## Never share it

- Nobody from your cooperative, your bank or Taawun will ever ask for your
  password or for a code you received. Anyone who asks is trying to trick you.
- If you think someone knows your password, change it straight away.

## A small checklist: can you say yes to each?

- My email has a long passphrase of its own.
- Two-step verification is on for my email.
- I use a password manager (or a notebook kept safe at home).
- No password is used on two sites.
""",
    ),
    (
        "Taking part in an online vote on Taawun",
        """Your cooperative belongs to its members, and voting is how members decide
together. On Taawun you can vote from a phone or a computer, wherever you are.
This lesson walks through a vote from start to finish.

## 1. Sign in safely

- Go to your cooperative's Taawun address **by typing it or using your
  bookmark**, not through a link in an unexpected email (see the first lesson).
- Select **Sign in**, then enter your email address and your password.
- Open your cooperative and go to **Decisions**: every open poll is listed
  there, with the date and time it closes.

## 2. Read before you vote

- Open the poll. Read its description and the proposal it decides on.
- Many polls come from a **discussion**. Read it: the arguments for and against
  are there, and you can ask a question or add your view before voting.
- Look at **when the poll closes**. After that moment, no vote can be cast or
  changed.

## 3. Cast your vote

1. Under **Your vote**, choose your answer. Some polls ask you to rank options
   (1 for your first choice, 2 for the next) or to share points between them:
   the page explains what to do.
2. Select **Continue**. Nothing is counted yet.
3. A page called **Check your vote** shows your choice in words. Read it
   calmly. If it is not what you meant, select **Change my answers**.
4. When it is right, select **Cast my vote**. Your vote is now recorded.

## 4. Secret ballots and your receipt

Some polls are **secret ballots**: nobody, not even the officers of the
cooperative, can see how you voted.

- After you cast a secret vote, Taawun shows you a **receipt**: a long code.
  **Write it down or copy it now.** It is shown only once, and nobody can tell
  it to you again.
- With the receipt you can **change your vote** before the poll closes: enter it
  with your new ballot.
- After the poll closes, every ballot is published without names, each with a
  fingerprint of its receipt. Use **Find my ballot with my receipt** to check
  that your vote is there and was counted as you cast it.
- Keep the receipt to yourself. Anyone who has it could change your vote while
  the poll is open.

In an **open** (non-secret) poll, members can see who voted what, and you can
change your vote until the poll closes.

## 5. After the vote

When the poll closes, its result appears on the poll's page, with how it was
counted. The outcome, what the cooperative will now do, is written there too,
and every decision is kept in the cooperative's ledger, which any member can
check.

## Remember

- Type the address yourself; never sign in through a surprise link.
- Read the proposal and the discussion before you decide.
- Check your vote before you cast it.
- In a secret ballot, keep your receipt, and keep it private.
""",
    ),
]

AR_TITLE = "خطوات آمنة على الإنترنت"
AR_SUMMARY = (
    "ثلاثة دروس قصيرة لكل من يخطو خطواته الأولى مع الحاسوب والهاتف، أو يريد أن "
    "يستعملهما بأمان أكبر: كيف تكشف الرسائل الاحتيالية في بريدك، وكيف تحمي حساباتك "
    "بكلمات مرور قوية، وكيف تشارك في تصويت تعاونيتك على منصة تعاون. لا يلزمك أي خبرة سابقة."
)

AR_LESSONS = [
    (
        "استعمال البريد الإلكتروني بأمان",
        """البريد الإلكتروني وسيلةٌ تصلك بها تعاونيتك ومصرفك وأصدقاؤك، وهو أيضًا الباب الذي
تبدأ منه أكثر عمليات الاحتيال على الإنترنت. تُسمّى الرسالة المزيّفة التي تحاول أن
تستدرجك إلى كشف كلمة مرورك أو تحويل مال أو فتح ملف ضار **تصيّدًا احتياليًّا**:
يرمي المرسِل طُعمه وينتظر من يبتلعه.

والخبر السار أن بضع عادات بسيطة تقيك معظم هذه الحيل.

## علامات تدعوك إلى الحذر

توقّف وفكّر قبل أن تفعل شيئًا إذا كانت الرسالة:

- **تستعجلك**: «سيُغلق حسابك اليوم»، «تصرّف خلال ساعة واحدة»؛
- **تطلب كلمة مرور أو رمزًا أو بيانات بطاقتك**: لا يطلب مصرف ولا متجر ولا تعاونية
  شيئًا من هذا عبر البريد؛
- **تَعِدك بما لا يُصدَّق**: جائزة، أو مبلغ مُسترَد، أو ميراث من شخص لا تعرفه؛
- **تخاطبك بعبارة عامة** مثل «عزيزي العميل» مع أن المرسِل يُفترض أنه يعرف اسمك؛
- **تحمل مرفقًا أو رابطًا لم تكن تنتظره**، حتى لو جاءت من شخص تعرفه، فقد يكون
  حسابه قد سُرق؛
- فيها أخطاء إملائية غريبة، أو شعار يبدو مختلفًا قليلًا عن المعتاد.

علامة واحدة تكفي لتأخذ حذرك، وأغلب رسائل الاحتيال تجمع علامتين أو ثلاثًا.

## تحقّق ممن أرسل الرسالة فعلًا

الاسم الذي يظهر أولًا يمكن أن يكون أيَّ شيء، فبوسع أي شخص أن يسمّي نفسه «دعم تعاون».
انظر إلى **عنوان البريد الكامل** الذي يلي الاسم، وعلى الهاتف المس الاسم ليظهر لك.

- اقرأ الجزء الذي بعد علامة **@** بعناية. العنوان `taawun.coop` ليس هو
  `taawun.coop.account-check.com` ولا `taawvn.coop`.
- إذا جاءتك رسالة باسم شركة أو مؤسسة من عنوان مجاني (ينتهي مثلًا بـ `@gmail.com`)
  فذلك مدعاة للريبة.

## الروابط

قد يُظهر الرابط عنوانًا ويأخذك إلى عنوان آخر.

- على الحاسوب، ضع مؤشر الفأرة فوق الرابط من غير أن تنقر، فيظهر العنوان الحقيقي
  أسفل النافذة. وعلى الهاتف، اضغط على الرابط مطوّلًا.
- والأسلم من ذلك **ألّا تستعمل الرابط أصلًا**: افتح الموقع بنفسك بكتابة عنوانه أو
  من إشارة مرجعية حفظتها من قبل، ثم سجّل الدخول من هناك.
- لا تكتب كلمة مرورك أبدًا في صفحة وصلت إليها من رابط في رسالة.

## المرفقات

قد تحمل الملفات برامج تستولي على جهازك.

- لا تفتح مرفقًا لم تكن تتوقعه. اسأل المرسِل أولًا **بطريقة أخرى**: اتصل به أو
  اكتب له رسالة جديدة، ولا تردّ على الرسالة المريبة نفسها.
- كن أشدّ حذرًا مع الملفات التي تنتهي بـ `.exe` أو `.scr` أو `.zip` أو `.js`، ومع
  المستندات التي تطلب منك «تمكين المحتوى» أو «تمكين وحدات الماكرو».

## إذا ساورك الشك

- استشر شخصًا تثق به، كأمين سرّ تعاونيتك، قبل أن تتصرّف.
- منصة تعاون وتعاونيتك **لن تطلبا منك أبدًا** كلمة مرورك عبر البريد.
- احذف الرسالة، أو علّمها بأنها بريد مزعج أو احتيال، ليتعلّم منها مزوّد بريدك.

## إذا كنت قد نقرت بالفعل

قد يقع في ذلك أكثر الناس حرصًا، فتصرّف بسرعة ولا تخجل:

1. إن كنت كتبت كلمة مرور، فغيّرها الآن من الموقع الحقيقي، وغيّرها أيضًا في كل حساب
   آخر استعملتها فيه.
2. إن كنت أعطيت بيانات بطاقة أو حساب مصرفي، فاتصل بمصرفك فورًا.
3. أخبر تعاونيتك حتى يُنبَّه الآخرون.
""",
    ),
    (
        "كلمات مرور قوية والتحقق بخطوتين",
        """كلمة المرور مفتاح حسابك. من يملكها يستطيع أن يقرأ بريدك، وأن يتكلم باسمك، وأن
يتصرّف في تعاونيتك على منصة تعاون كأنه أنت. ولا يخمّن المحتالون كلمات المرور واحدة
واحدة، بل تجرّب حواسيبهم ملايين الكلمات في الثانية، وتُتداوَل قوائم كلمات المرور
المسروقة علنًا. وإليك كيف تسبقهم بخطوة.

## الطول أهم من التعقيد

**عبارة المرور الطويلة** أقوى من كلمة مرور قصيرة معقّدة، وأسهل منها حفظًا.

- اختر **أربع كلمات عادية أو أكثر** لا صلة بينها ولا صلة لها بك، مثل:
  *ليمون جمل نافذة مطر* (لا تستعملها هي، فقد نُشرت الآن في درس!).
- الطول هو الأهم: كلمة مثل `P@ssw0rd1` تبدو ذكية لكنها تُكسَر في ثوانٍ، أما أربع
  كلمات عشوائية فيحتاج كسرها إلى قرون.
- تجنّب كل ما يمكن أن يعرفه الآخرون عنك: أسماء أولادك، وتاريخ ميلادك، واسم قريتك،
  وفريقك المفضّل.

## لا تكرّر كلمة المرور أبدًا

تتعرّض المواقع للاختراق، وحين يُخترق أحدها يجرّب المحتالون البريد وكلمة المرور
المسروقين في كل موقع آخر. فإن كانت كلمة مرورك واحدة في كل مكان، **فتسريب واحد
يفتح كل أبوابك**. اجعل لكل حساب كلمة مرور خاصة به.

## دع مدير كلمات المرور يحفظها عنك

لا أحد يستطيع أن يحفظ خمسين عبارة مرور. **مدير كلمات المرور** تطبيق يحفظها لك،
ويملؤها عنك، ويُنشئ لك كلمات جديدة قوية.

- لا تحفظ إلا عبارة واحدة قوية تفتح بها المدير، فاجعلها أفضل ما لديك، ولا
  تستعملها في أي مكان آخر.
- توجد برامج جيدة مجانية، منها Bitwarden وKeePassXC، وفي متصفحات الإنترنت مدير
  مدمج، وهو خير بكثير من تكرار كلمة مرور واحدة.
- وإن كنت تفضّل الورق، فدفتر تحفظه في البيت بعيدًا عن الحاسوب أفضل من كلمة مرور
  واحدة لكل شيء.

## التحقق بخطوتين

مع **التحقق بخطوتين** يحتاج تسجيل الدخول إلى كلمة مرورك *وإلى* شيء تملكه، وهو
عادةً رمز يصلك في تطبيق على هاتفك أو في رسالة نصية. فلو سرق أحدهم كلمة مرورك لما
استطاع الدخول.

- فعّله **أولًا في بريدك الإلكتروني**، لأن من يسيطر على بريدك يستطيع أن يغيّر كلمة
  مرور كل حساباتك الأخرى.
- احتفظ برموز الاسترداد التي يعطيك إياها الموقع في مكان آمن، على الورق، تحسّبًا
  لضياع هاتفك.

## لا تُطلع عليها أحدًا

- لن يطلب منك أحد من تعاونيتك ولا من مصرفك ولا من منصة تعاون كلمة مرورك، ولا رمزًا
  وصلك. ومن يطلب ذلك يحاول خداعك.
- إن ظننت أن أحدًا عرف كلمة مرورك فغيّرها فورًا.

## قائمة قصيرة: هل تصدق عليك كل عبارة منها؟

- لبريدي عبارة مرور طويلة خاصة به.
- التحقق بخطوتين مفعّل في بريدي.
- أستعمل مدير كلمات مرور (أو دفترًا محفوظًا في البيت).
- لا أستعمل كلمة مرور واحدة في موقعين.
""",
    ),
    (
        "المشاركة في تصويت إلكتروني على منصة تعاون",
        """التعاونية ملك أعضائها، والتصويت هو الطريقة التي يقرّر بها الأعضاء معًا. وعلى منصة
تعاون تستطيع أن تصوّت من هاتفك أو حاسوبك أينما كنت. يصحبك هذا الدرس في التصويت من
أوله إلى آخره.

## ١. سجّل الدخول بأمان

- اذهب إلى عنوان تعاونيتك على منصة تعاون **بكتابته بنفسك أو من إشارة مرجعية
  حفظتها**، لا من رابط في رسالة لم تكن تنتظرها (راجع الدرس الأول).
- اختر **تسجيل الدخول**، ثم اكتب بريدك الإلكتروني وكلمة مرورك.
- افتح صفحة تعاونيتك واذهب إلى **القرارات**: تجد هناك كل تصويت مفتوح، مع موعد
  إغلاقه بالتاريخ والساعة.

## ٢. اقرأ قبل أن تصوّت

- افتح التصويت واقرأ وصفه والمقترح الذي يُقرَّر فيه.
- كثير من التصويتات يسبقها **نقاش**، فاقرأه: فيه الحجج المؤيدة والمعارضة، ويمكنك أن
  تطرح سؤالًا أو تضيف رأيك قبل أن تصوّت.
- انتبه إلى **موعد إغلاق التصويت**؛ فبعده لا يُقبل صوت جديد ولا يُعدَّل صوت.

## ٣. أدلِ بصوتك

١. في قسم **صوتك** اختر إجابتك. قد يطلب منك بعض التصويتات أن ترتّب الخيارات (١ لخيارك
   الأول، و٢ للذي يليه) أو أن توزّع نقاطًا عليها، والصفحة تشرح لك المطلوب.

٢. اختر **متابعة**، ولن يُحتسب شيء بعد.

٣. تظهر صفحة عنوانها **مراجعة صوتك** تعرض اختيارك بالكلمات، فاقرأها على مهل. وإن لم
   يكن هذا ما قصدته فاختر **تغيير إجاباتي**.

٤. إذا كان كل شيء صحيحًا فاختر **الإدلاء بصوتي**، وعندها يُسجَّل صوتك.

## ٤. الاقتراع السري وإيصال التصويت

بعض التصويتات **اقتراع سري**: لا يستطيع أحد أن يعرف كيف صوّتّ، ولا حتى مسؤولو
التعاونية.

- بعد أن تدلي بصوتك في اقتراع سري تعرض عليك المنصة **إيصال التصويت**، وهو رمز طويل.
  **اكتبه أو انسخه في الحال**، فهو يُعرض مرة واحدة فقط، ولا أحد يستطيع أن يعيده إليك.
- بالإيصال تستطيع أن **تغيّر صوتك** قبل إغلاق التصويت، بإدخاله مع ورقتك الجديدة.
- بعد الإغلاق تُنشر أوراق الاقتراع كلها بلا أسماء، ومع كل ورقة بصمة إيصالها. استعمل
  **البحث عن ورقة اقتراعي بإيصال التصويت** لتتأكد أن ورقتك موجودة وأنها حُسبت كما
  أدليت بها.
- احتفظ بالإيصال لنفسك، فمن يحصل عليه يستطيع أن يغيّر صوتك ما دام التصويت مفتوحًا.

أما في التصويت **العلني** فيرى الأعضاء من صوّت بماذا، ويمكنك أن تغيّر صوتك حتى يُغلق
التصويت.

## ٥. بعد التصويت

عند إغلاق التصويت تظهر نتيجته في صفحته مع طريقة الفرز، ويُكتب فيها كذلك ما انتهى
إليه القرار وما ستفعله التعاونية بناءً عليه. وكل قرار يُحفظ في سجل التعاونية الذي
يستطيع أي عضو أن يتحقق منه.

## تذكّر

- اكتب العنوان بنفسك، ولا تسجّل الدخول أبدًا من رابط مفاجئ.
- اقرأ المقترح والنقاش قبل أن تقرّر.
- راجع صوتك قبل أن تدلي به.
- في الاقتراع السري احتفظ بإيصالك، ولا تُطلع عليه أحدًا.
""",
    ),
]


def _digital_literacy(author: Member) -> list[Skill]:
    found = same_skill(DIGITAL_LITERACY)
    if found is not None:
        return [found[1]]
    return [add_skill(by=author.user, names=DIGITAL_LITERACY)]


def load(coop: Cooperative, *, author: Member) -> None:
    """Give ``coop`` the starter course, in English and Arabic (call once)."""
    by = author.user
    skills = _digital_literacy(author)
    english = actions.create_course(
        by=by,
        coop=coop,
        title=EN_TITLE,
        language="en",
        summary=EN_SUMMARY,
        visibility=Visibility.PUBLIC,
        skills=skills,
        slug="safe-steps-online",
    )
    for title, body in EN_LESSONS:
        actions.add_lesson(english, by=by, title=title, body=body)
    arabic: Course = actions.translate_course(
        english, by=by, language="ar", title=AR_TITLE, summary=AR_SUMMARY
    )
    for title, body in AR_LESSONS:
        actions.add_lesson(arabic, by=by, title=title, body=body)
