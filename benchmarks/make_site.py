"""Generate a large, realistic sample site for benchmarks (search download size, build time).

    python benchmarks/make_site.py --reports 10000 --households 5000 --seed 1 --out DIR

The site follows the content formats the README describes, in the shape of real experience
materials (经验交流材料) and honour lists: a region tree of
generated place names (province > city > county > township > village), experience reports whose
bodies are assembled from the phrases these materials are made of, and yearly honour lists of
households per county. The point is realistic *text statistics* (many distinct bigrams, shared
genre phrases, place and person names, numbers), which decide the size of the search index.

Deterministic: one seeded random.Random drives everything and files are written in a fixed order,
so the same arguments give byte-identical files. Numbers are short (never more than five digits in
a row), so nothing looks like a mobile, ID or bank card number to the build's privacy guard.
Standard library only.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from showcase.slugs import slugify  # noqa: E402  (a household's address, as the build makes it)
MARKER = ".generated-sample-site"
"""Marks a folder this script made, so that --out never deletes anything else."""


def _pairs(text: str) -> list[tuple[str, str]]:
    """'安an 平ping' -> [('安', 'an'), ('平', 'ping')]: characters with the pinyin we use for
    file names (chosen to have one common reading)."""
    return [(token[0], token[1:]) for token in text.split()]


# Characters of proper place names, and landform characters that end village names (龙潭, 石桥).
PLACE = _pairs("""
    安an 平ping 江jiang 山shan 河he 阳yang 宁ning 昌chang 华hua 源yuan 清qing 水shui 石shi
    龙long 凤feng 桃tao 林lin 溪xi 丰feng 兴xing 德de 泰tai 和he 新xin 庆qing 永yong 崇chong
    嘉jia 云yun 岳yue 湘xiang 汉han 沅yuan 浦pu 溆xu 辰chen 邵shao 洪hong 泸lu 湄mei 桂gui
    梧wu 柳liu 郴chen 衡heng 韶shao 潮chao 惠hui 漳zhang 泉quan 赣gan 饶rao 婺wu 徽hui 淮huai
    颍ying 亳bo 濮pu 漯luo 舞wu 固gu 潢huang 息xi 罗luo 光guang 黄huang 麻ma 蕲qi 英ying
    孝xiao 应ying 梦meng 荆jing 松song 枝zhi 宜yi 秭zi 巴ba 恩en 利li 咸xian 来lai 鹤he
    峰feng 竹zhu 房fang 郧yun 襄xiang 樊fan 枣zao 随sui 钟zhong 祥xiang 京jing 沙sha 洋yang
    远yuan 武wu 宣xuan 通tong 城cheng 金jin 寿shou 定ding 益yi 湖hu 溧li 涟lian 邗han 泗si
    沭shu 灌guan 滨bin 临lin 沂yi 莒ju 莱lai 蓬peng 栖qi 文wen 登deng 威wei 海hai 荣rong
    曲qu 阜fu 邹zou 滕teng 微wei 鱼yu 梁liang 郓yun 菏he 东dong 西xi 南nan 北bei 上shang
""")
LANDFORM = _pairs("""
    桥qiao 塘tang 坪ping 岭ling 坡po 冲chong 湾wan 洲zhou 坝ba 营ying 庄zhuang 集ji 店dian
    寨zhai 口kou 潭tan 湖hu 溪xi 山shan 田tian 家jia 园yuan 岗gang 垅long
""")
SURNAMES = list("张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
                "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱"
                "江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤舒谌")
GIVEN = (list("建国军伟强明志刚勇海平华文斌峰林涛成春永德贵福生荣杰辉鹏飞俊宏"),
         list("丽芳秀英梅兰红霞玉凤桂琴燕静敏婷娟萍艳莉翠云珍洁慧佳"))
"""Characters of men's and of women's given names."""

TAGS = ["平安家庭", "矛盾调解", "留守儿童", "反家暴", "家庭教育", "普法宣传", "家风建设",
        "基层治理", "最美家庭", "五好文明家庭", "网格化管理", "关爱老人"]
HOUSEHOLD_TAGS = ["孝老爱亲", "调解邻里", "反家暴宣传", "热心公益", "教子有方", "邻里守望",
                  "诚信经营", "拥军优属", "勤俭持家", "绿色环保"]
HONOURS = ["平安家庭示范户", "和睦家庭标兵户", "五好文明家庭", "最美家庭"]
NUMERALS = "一二三四五六七八九十"

# ---- phrase lists of the genre; {X} slots are filled by Writer.fill ----------------------------
# {C} county  {T} township of it  {V} village with its township  {Y} the report's year  {N} a count
# {Q} a small count  {H} households (1100户)  {K} many households (19.8万户)  {P} a percentage
# {W} a campaign theme  {M} a mechanism  {G} a group  {S} a whole sentence

THEMES = ["平安家庭", "矛盾调解", "留守儿童关爱", "反家暴", "家庭教育", "普法宣传", "家风建设",
          "最美家庭评选", "五好文明家庭创建", "婚姻家庭辅导", "空巢老人关爱", "禁毒宣传",
          "防范电信诈骗", "心理健康服务", "综治网格", "法治乡村建设"]
MECHANISMS = ["“三联三调”", "“一户一档”", "“110联动”", "“红黄绿”分类管理", "“平安积分”",
              "“网格+妇联”", "“四级联调”", "“家庭档案”", "“板凳议事会”", "“诉调对接”",
              "“一村一法律顾问”", "“警调联动”", "“巾帼调解室”", "“说事评理”"]
GROUPS = ["巾帼网格员", "人民调解员", "巾帼志愿者", "妇联执委", "网格员", "法律顾问", "社区民警",
          "驻村辅警", "五老人员", "家庭教育指导师", "心理咨询师", "乡贤能人"]
UNITS = ["{C}“平安家庭”创建办公室", "{C}妇女联合会", "{C}委政法委员会", "{C}综治中心",
         "{C}司法局", "{C}公安局", "{C}“平安家庭”创建活动领导小组办公室", "{T}人民政府"]

TITLE_FIRST = ["小家平安连万家", "筑牢家庭平安防线", "传承优良家风", "夯实平安根基",
               "织密家庭安全网", "深化平安家庭创建", "守护万家灯火", "弘扬文明新风",
               "凝聚巾帼力量", "创新基层治理", "以小家和谐促大家平安", "聚焦矛盾源头化解",
               "关爱留守儿童", "推进家庭教育", "做实普法宣传", "践行新时代枫桥经验"]
TITLE_SECOND = ["共建和谐新家园", "共绘幸福新画卷", "助推平安{C}建设", "守护群众幸福生活",
                "绘就乡村振兴新图景", "打造基层治理新样板", "让平安之花开遍{C}",
                "推动创建工作提质增效", "建设更高水平平安家庭", "谱写平安家庭新篇章"]
CASE_TITLES = ["推行{M}机制化解家庭矛盾", "打造{M}品牌守护家庭平安", "用好{M}破解调解难题",
               "以{M}撬动基层治理", "建好{G}队伍织密平安网"]
CATEGORY_TITLES = {"工作总结": "{C}{Y}年度“平安家庭”创建工作总结",
                   "工作计划": "{C}{Y}年“平安家庭”创建工作要点",
                   "考察报告": "{C}赴外地学习考察“平安家庭”创建工作的报告",
                   "新闻动态": "{C}召开{W}工作推进会"}

OPENINGS = [
    "近年来，{C}在县委、县政府的坚强领导下，紧紧围绕平安建设大局，把“平安家庭”创建作为基层社会治理的基础工程来抓，"
    "坚持以网格为单元、以家庭为细胞，推动创建工作从“有形覆盖”向“有效覆盖”深化。",
    "今年以来，我们认真贯彻上级关于{W}工作的部署要求，坚持预防在先、调解为主、依法处置，"
    "把{W}与{W}结合起来，全县家庭和谐稳定的基础不断夯实。",
    "{Y}年，全县参与“平安家庭”创建家庭达{K}，参与率{P}；经评议验收达标家庭{K}，达标率{P}；"
    "命名县级“平安家庭示范户”{H}、“最美家庭”{H}。",
    "全县各级调解组织共排查婚姻家庭矛盾纠纷{N}余起，调解成功率{P}，涉家庭暴力警情同比下降{P}。",
]
OPENING_END = "现将我们的主要做法和体会汇报如下："
HEADINGS = ["健全工作机制，凝聚创建合力", "坚持网格赋能，让创建触角延伸到每一户",
            "突出源头预防，把矛盾化解在萌芽状态", "强化普法宣传，营造尊法守法氛围",
            "聚焦重点群体，织密关爱帮扶网络", "注重家风培育，涵养文明乡风民风",
            "深化多方联动，构建共建共治格局", "推进家庭教育，护航儿童健康成长",
            "加强队伍建设，夯实基层工作基础", "创新载体平台，提升创建工作实效"]
SUBHEADINGS = ["建立{M}工作模式", "实行{M}", "推行{M}激励机制", "打造{G}服务队伍",
               "开展“{W}进万家”活动", "完善{W}工作制度", "抓实{W}重点环节"]
SENTENCES = [
    "我们在全县推行{M}工作模式，由{G}负责掌握网格内家庭基本情况，收集婚姻家庭矛盾信息。",
    "{T}把辖区划分为{Q}个网格，{G}每月至少走访网格内家庭一遍，对空巢老人、留守儿童、单亲家庭等重点对象建立台账。",
    "去年共收集并推动解决家庭困难和矛盾问题{N}余件，群众满意率达{P}。",
    "目前，全县共有{G}{N}名，做到网格全覆盖、家庭全走访、信息全掌握。",
    "{V}组建由{G}、{G}和退休教师组成的调解小组，逢单日坐班、逢双日走访，化解邻里和家庭纠纷{N}起。",
    "对排查发现的家庭暴力苗头，由民警、调解员、妇联干部组成专班上门帮扶，落实告诫、回访等措施。",
    "我们联合公安、司法、法院等部门建立{M}机制，实现信息互通、力量互补、工作互动。",
    "全年开展{W}专题活动{N}场次，发放宣传资料{N}余份，受益群众{H}。",
    "县妇联依托新时代文明实践站开设“家长课堂”，帮助年轻父母提升家庭教育能力。",
    "{T}针对外出务工人员多、留守儿童多的实际，组织志愿者与{N}名留守儿童结成帮扶对子。",
    "各乡镇（街道）把{W}纳入年度综合考评，实行月调度、季通报、年考核。",
    "{V}制定村规民约，把孝老爱亲、邻里和睦、移风易俗写进“家规家训”，评选“好媳妇”“好婆婆”{N}名。",
    "我们把创建工作与乡村振兴、文明创建、基层党建有机结合，做到同部署、同推进、同考核。",
    "通过“以案说法”“法律明白人”培训等形式，累计培训骨干{N}人次，覆盖家庭{H}。",
    "全县{P}的村（社区）建立了婚姻家庭纠纷调解室，{P}的家庭签订了“平安家庭承诺书”。",
    "{T}综治中心与派出所、司法所实行{M}，做到小事不出村、大事不出镇、矛盾不上交。",
    "对列入重点关注的{Q}户家庭实行“一户一策”，经过帮扶，大部分已转为一般关注，转化率{P}。",
    "我们坚持把反家暴工作作为创建的底线任务，依法签发告诫书{N}份，协助申请人身安全保护令{N}份。",
    "{C}把“最美家庭”事迹编印成册，在广播、报刊和微信公众号上集中宣传，引导群众见贤思齐。",
    "{G}深入田间地头、农家院落宣讲{W}知识，用群众听得懂的语言讲清法律道理。",
    "依托{Q}个村级“道德评议会”，每季度开展一次评议，让身边人讲身边事、身边事教身边人。",
    "我们还组织{G}开展“敲门行动”，为独居老人、困难家庭送去米面油和防诈骗宣传资料。",
]
ENUMERATED = ["一是{S}", "二是{S}", "三是{S}", "四是{S}"]
CLOSINGS = [
    "下一步，我们将认真总结经验，查找不足，进一步完善{M}等长效机制，推动“平安家庭”创建工作再上新台阶。",
    "我们将以这次会议为契机，持续深化{W}和{W}工作，为建设更高水平的平安{C}作出新的更大贡献。",
    "平安家庭创建永远在路上。我们将坚持和发展新时代“枫桥经验”，让每一个家庭都成为平安和谐的温馨港湾。",
]
STORIES = [
    "{p}一家三代同堂，{k}十多年如一日照料卧床的老母亲，端茶喂饭、擦身翻身从不假手他人。",
    "{p}担任{v}的调解员已有{n}年，谁家夫妻拌嘴、邻里争执，大家都习惯请他出面说和。",
    "{p}是{v}的妇联执委，把自家堂屋腾出来办起“周末课堂”，免费辅导留守儿童做作业。",
    "{p}家里订立了“勤俭持家、和睦邻里”的家训，逢年过节组织全家参加志愿服务。",
    "{p}退伍后回到{v}，带头参与普法宣传和反家暴宣讲，几年来帮助化解家庭纠纷{n}起。",
    "{p}一家热心公益，每逢重阳节都给村里的空巢老人送去米面油，被邻居称为“热心肠之家”。",
]


@dataclass
class Region:
    name: str
    pinyin: str
    children: list[Region] = field(default_factory=list)


class Writer:
    """All random choices of one site, from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used_names: set[str] = set()
        self.used_pinyin: set[str] = set()
        self.towns: dict[str, list[tuple[str, str]]] = {}
        """county name -> its (township, village) pairs, filled by region_tree"""
        self.year = 2024
        """the year of the report being written, for {Y}"""

    # ---- places and people ----

    def proper_name(self, second: list[tuple[str, str]], unique: bool = True) -> tuple[str, str]:
        """Two characters (and their pinyin), distinct from every proper name given before when
        `unique` (provinces, cities and counties are unique in the whole tree)."""
        while True:
            (a, pa), (b, pb) = self.rng.choice(PLACE), self.rng.choice(second)
            name, pinyin = a + b, pa + pb
            if a == b or (unique and (name in self.used_names or pinyin in self.used_pinyin)):
                continue
            if unique:
                self.used_names.add(name)
                self.used_pinyin.add(pinyin)
            return name, pinyin

    def children(self, count: int, second: list[tuple[str, str]],
                 suffixes: list[tuple[str, int]], unique: bool) -> list[Region]:
        """`count` regions of one level under one parent, names distinct among siblings."""
        names: set[str] = set()
        regions = []
        while len(regions) < count:
            name, pinyin = self.proper_name(second, unique)
            suffix = self.rng.choices([s for s, _ in suffixes], [w for _, w in suffixes])[0]
            if name + suffix not in names:
                names.add(name + suffix)
                regions.append(Region(name + suffix, pinyin))
        return regions

    def region_tree(self, counties: int) -> list[Region]:
        """Provinces > cities > counties (about `counties`) > townships > villages."""
        provinces = self.children(max(2, min(8, round(counties ** 0.5 / 2))), PLACE,
                                  [("省", 1)], True)
        per_province = max(1, round(counties / len(provinces)))
        for province in provinces:
            cities = self.children(max(1, round(per_province / 5)), PLACE, [("市", 1)], True)
            province.children = cities
            for index, city in enumerate(cities):
                share = per_province // len(cities) + (index < per_province % len(cities))
                city.children = self.children(share, PLACE, [("县", 7), ("区", 2), ("市", 1)], True)
                for county in city.children:
                    county.children = self.children(
                        self.rng.randint(5, 9), PLACE, [("镇", 6), ("乡", 3), ("街道", 2)], False)
                    for town in county.children:
                        town.children = self.children(
                            self.rng.randint(4, 8), LANDFORM, [("村", 4), ("社区", 1)], False)
                    self.towns[county.name] = [(t.name, v.name) for t in county.children
                                               for v in t.children]
        return provinces

    def person(self) -> str:
        given = "".join(self.rng.sample(self.rng.choice(GIVEN), self.rng.choice((1, 2, 2, 2))))
        return self.rng.choice(SURNAMES) + given

    # ---- text ----

    def number(self) -> str:
        """A count as these reports write them: mostly any, sometimes round (1100户)."""
        if self.rng.random() < 0.05:
            return self.rng.choice(("300", "500", "1100", "1200", "2000"))
        small = self.rng.random() < 0.5
        return str(self.rng.randint(3, 99) if small else self.rng.randint(100, 3000))

    def fill(self, template: str, county: list[str]) -> str:
        """Fill every {X} slot of a template; `county` is the county's region path."""
        town, village = self.rng.choice(self.towns[county[-1]])
        values = {
            "C": lambda: county[-1],
            "T": lambda: town,
            "V": lambda: town + village,
            "Y": lambda: str(self.year),
            "N": self.number,
            "Q": lambda: str(self.rng.randint(3, 60)),
            "H": lambda: self.number() + "户",
            "K": lambda: f"{self.rng.randint(2, 40)}.{self.rng.randint(1, 9)}万户",
            "P": lambda: f"{self.rng.randint(60, 99)}.{self.rng.randint(0, 9)}%",
            "W": lambda: self.rng.choice(THEMES),
            "M": lambda: self.rng.choice(MECHANISMS),
            "G": lambda: self.rng.choice(GROUPS),
            "S": lambda: self.fill(self.rng.choice(SENTENCES), county),
        }
        return re.sub(r"\{([A-Z])\}", lambda m: values[m.group(1)](), template)

    def paragraph(self, county: list[str], sentences: int) -> str:
        """Sentences run together, or the 一是…二是…三是… of an enumeration."""
        if self.rng.random() < 0.3:
            return "".join(self.fill(e, county) for e in ENUMERATED[:self.rng.randint(3, 4)])
        return "".join(self.fill(self.rng.choice(SENTENCES), county) for _ in range(sentences))

    def body(self, county: list[str]) -> str:
        """An opening with figures, numbered parts (## 一、…, sometimes ### (一)…) and a closing,
        1,500-5,000 characters."""
        target = self.rng.randint(1500, 4400)       # the last paragraph and closing overshoot
        opening = "".join(self.fill(s, county) for s in OPENINGS) + OPENING_END
        closing = self.fill(self.rng.choice(CLOSINGS), county)
        blocks, length = [opening], len(opening) + len(closing)
        headings = self.rng.sample(HEADINGS, len(HEADINGS))
        for numeral, heading in zip(NUMERALS, headings):
            blocks.append(f"## {numeral}、{heading}")
            length += len(blocks[-1])
            subparts = self.rng.random() < 0.4
            for sub in NUMERALS[:self.rng.randint(2, 3)]:
                if subparts:
                    blocks.append(f"### （{sub}）" + self.fill(self.rng.choice(SUBHEADINGS), county))
                    length += len(blocks[-1])
                blocks.append(self.paragraph(county, self.rng.randint(4, 8)))
                length += len(blocks[-1])
                if length >= target:
                    break
            if length >= target:
                break
        blocks.append(closing)
        return "\n\n".join(blocks) + "\n"

    def report(self, number: int, counties: list[list[str]],
               categories: list[str]) -> tuple[int, str]:
        """(year, Markdown text) of one report."""
        county = self.rng.choice(counties)
        category = self.rng.choice(categories)
        date = dt.date(2015, 1, 1) + dt.timedelta(days=self.rng.randint(0, 4017))
        self.year = date.year
        town, village = self.rng.choice(self.towns[county[-1]])
        region = county
        if category == "典型推介":
            place = self.rng.choice((town, town + village))
            title = place + "：" + self.fill(self.rng.choice(CASE_TITLES), county)
            region = county + ([town] if place == town else [town, village])
        elif category in CATEGORY_TITLES and self.rng.random() < 0.5:
            title = self.fill(CATEGORY_TITLES[category], county)
        else:
            title = (self.rng.choice(TITLE_FIRST) + " " +
                     self.fill(self.rng.choice(TITLE_SECOND), county))
        tags = self.rng.sample(TAGS, self.rng.randint(2, 4))
        lines = ["---", f"title: {title}", f"unit: {self.fill(self.rng.choice(UNITS), county)}"]
        if self.rng.random() < 0.4:
            lines.append(f"author: {self.person()}")
        lines += [f"date: {date.isoformat()}", f"region: {'/'.join(region)}",
                  f"category: {category}", f"tags: [{', '.join(tags)}]"]
        if self.rng.random() < 0.01:
            lines += ["featured: true", f"weight: {number % 50}"]
        lines.append("---")
        return date.year, "\n".join(lines) + "\n\n" + self.body(county)

    def honour_list(self, year: int, county: list[str], size: int) -> str:
        """The YAML text of one county's honour list of one year."""
        honour = self.rng.choice(HONOURS)
        short = county[-1][0]
        out = ["list:", f"  title: {year}年度{county[-1]}“{honour}”名单",
               f"  honour: {honour}", f"  year: {year}",
               f"  awarded_by: {county[-1]}“平安家庭”创建活动领导小组",
               f"  date: {year}-12-{self.rng.randint(10, 28)}",
               f"  document: {short}平安办〔{year}〕{self.rng.randint(1, 40)}号", "households:"]
        names: set[str] = set()  # and their addresses: 小燕 and 晓燕 would share one
        while len(names) < size * 2:
            head = self.person()
            address = slugify(head + "家庭")
            if head in names or address in names:
                continue
            names.update((head, address))
            town, village = self.rng.choice(self.towns[county[-1]])
            tags = self.rng.sample(HOUSEHOLD_TAGS, self.rng.randint(1, 3))
            out += [f"  - name: {head}家庭", f"    head: {head}",
                    f"    region: {'/'.join(county + [town, village])}",
                    f"    members: {self.rng.randint(2, 7)}",
                    f"    tags: [{', '.join(tags)}]"]
            if self.rng.random() < 0.3:
                story = "".join(self.rng.choice(STORIES).format(
                    p=head, k=self.rng.choice(("夫妻俩", "儿子儿媳")), v=town + village,
                    n=self.rng.randint(3, 30)) for _ in range(self.rng.randint(2, 4)))
                out += ["    story: |", "      " + story]
        return "\n".join(out) + "\n"


def regions_yaml(regions: list[Region], indent: int = 0) -> list[str]:
    """The tree in the block style of the sample site's data/regions.yaml."""
    pad = " " * indent
    lines = []
    for region in regions:
        lines.append(f"{pad}- name: {region.name}")
        if region.children:
            lines.append(f"{pad}  children:")
            lines += regions_yaml(region.children, indent + 4)
    return lines


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def make_site(reports: int, households: int, seed: int, out: Path) -> None:
    writer = Writer(seed)
    # a county honours at most one list a year (2015-2025) of 30-200 households: enough
    # counties for the households too, else a small site with many of them is never done
    tree = writer.region_tree(max(4, round(reports / 40), round(households / 600)))
    counties = [([province.name, city.name, county.name], county.pinyin)   # (path, pinyin)
                for province in tree for city in province.children for county in city.children]
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            sys.exit(f"{out} exists and is not a generated site: choose another --out")
        shutil.rmtree(out)
    write(out / MARKER, "generated by benchmarks/make_site.py; replaced on the next run\n")
    site_yaml = (REPO / "site.yaml").read_text("utf-8")
    write(out / "site.yaml", site_yaml)
    categories = re.search(r"^categories: \[(.*)\]$", site_yaml, re.M).group(1).split(", ")
    write(out / "data" / "regions.yaml",
          "# 生成的样例行政区划树:省 > 市 > 县(区、市) > 乡镇(街道) > 村(社区)\n\n"
          + "\n".join(regions_yaml(tree)) + "\n")
    paths = [path for path, _ in counties]
    for number in range(1, reports + 1):
        year, text = writer.report(number, paths, categories)
        write(out / "content" / "reports" / str(year) / f"{number}.md", text)
    taken: set[tuple[int, str]] = set()
    while households > 0:
        year = writer.rng.randint(2015, 2025)
        path, pinyin = writer.rng.choice(counties)
        if (year, pinyin) in taken:
            continue
        taken.add((year, pinyin))
        size = min(households, writer.rng.randint(30, 200))
        households -= size
        write(out / "data" / "households" / f"{year}-{pinyin}.yaml",
              writer.honour_list(year, path, size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=10000)
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True,
                        help="the site folder to create (replaced if it exists)")
    args = parser.parse_args()
    started = time.perf_counter()
    make_site(args.reports, args.households, args.seed, args.out)
    print(f"wrote {args.reports} reports and {args.households} households into {args.out} "
          f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
