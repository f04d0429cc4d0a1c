"""Deterministic Korean text for the replica's posts: titles, bodies, departments, captions.

Everything takes a `random.Random` so that a seed reproduces the same board byte for byte.
The vocabulary is the register of the city's own notices and press releases: department names,
districts, programmes, dates, quoted officials, and the punctuation the CMS really carries
(‘ ’ “ ” · ㈜ ㈔ & < >), so that parsers meet the entities and truncation they meet on the site.
"""

from __future__ import annotations

import random

DEPARTMENTS = [
    "미세먼지분석과",
    "대변인",
    "홍보담당관",
    "자치행정과",
    "인공지능산업과",
    "기후환경정책과",
    "교통정책과",
    "대중교통과",
    "도시계획과",
    "청년정책과",
    "일자리정책과",
    "복지정책과",
    "노인복지과",
    "여성가족정책관",
    "건강정책과",
    "감염병관리과",
    "문화도시정책관",
    "관광진흥과",
    "체육진흥과",
    "세정담당관",
    "회계과",
    "총무과",
    "기획조정실",
    "안전정책관",
    "재난안전과",
    "보건환경연구원",
    "상수도사업본부",
    "종합건설본부",
    "소방안전본부",
    "민생경제과",
    "투자유치과",
    "농업동물정책과",
    "공원녹지과",
    "건축주택과",
    "5·18선양과",
]

DISTRICTS = ["동구", "서구", "남구", "북구", "광산구"]
PLACES = [
    "5·18민주광장",
    "광주역",
    "송정역",
    "무등산",
    "영산강",
    "양림동",
    "충장로",
    "상무지구",
    "첨단지구",
    "김대중컨벤션센터",
    "광주비엔날레전시관",
    "국립아시아문화전당",
    "월드컵경기장",
    "오룡동 인공지능산업융합사업단",
    "광주과학기술원",
    "전남대학교",
    "조선대학교",
]
SUBJECTS = [
    "청년 일자리",
    "인공지능 실증",
    "미세먼지 저감",
    "대중교통 요금",
    "어르신 돌봄",
    "소상공인 지원",
    "탄소중립",
    "도시재생",
    "어린이 보호구역",
    "1인 가구",
    "반려동물 등록",
    "공공와이파이",
    "수해 예방",
    "폭염 대비",
    "한파 쉼터",
    "지역화폐",
    "전기차 충전",
    "시내버스 노선",
    "도시철도 2호선",
    "공공임대주택",
    "문화예술 지원",
    "마을공동체",
    "외국인 주민",
    "다문화가족",
    "장애인 이동권",
    "감염병 예방접종",
    "식품 위생",
]
ACTIONS = [
    "참여자 모집",
    "추진",
    "본격 시행",
    "지원 확대",
    "설명회 개최",
    "공모 결과 발표",
    "협약 체결",
    "현장 점검",
    "계획 수립",
    "성과 공유",
    "운영 개시",
    "신청 접수",
    "개선 대책 마련",
    "시민 의견 수렴",
    "특별 점검 실시",
    "우수기관 선정",
]
NOTICE_KINDS = [
    "공고",
    "알림",
    "안내",
    "모집 공고",
    "입찰 공고",
    "결과 공고",
    "채용 공고",
    "행정예고",
]
PEOPLE = ["강기정 광주시장", "김영문 문화경제부시장", "행정부시장", "시 관계자", "담당 과장"]
ORGS = ["㈜에스오에스랩", "㈔인공지능산학연협회", "광주테크노파크", "광주관광공사", "광주도시공사"]

SENTENCE_OPENERS = [
    "광주광역시(시장 강기정)는",
    "광주시는",
    "시는",
    "이번 사업은",
    "이와 함께",
    "특히",
    "한편",
    "아울러",
    "이에 따라",
    "앞서",
]
SENTENCE_MIDDLES = [
    "{d}일 {place}에서 ‘{subject} {action}’ 행사를 열고",
    "{district} 일대에서 {subject} 관련 {action_eul} 위해",
    "올해 {n}억 원의 예산을 투입해 {subject} 사업을",
    "{org_wa} 함께 {subject} 분야의 협력 방안을",
    "시민 {n}00여 명이 참여한 가운데 {subject} 정책을",
    "{month}월부터 {subject}·{subject2} 관련 제도를",
]
SENTENCE_ENDS = [
    "추진한다고 밝혔다.",
    "본격적으로 시행한다.",
    "논의했다.",
    "확대할 계획이다.",
    "마련했다고 설명했다.",
    "점검했다.",
    "운영한다.",
    "지원하기로 했다.",
]
QUOTES = [
    "“{subject_eun} 시민의 삶과 직결된 문제”라며 “현장의 목소리를 꼼꼼히 반영하겠다”고 말했다.",
    "“앞으로도 {subject} 분야에서 실질적 가치를 창출하겠다”고 강조했다.",
]
LINE_EXTRAS = [
    "※ 별첨 : 사진",
    "<끝>",
    "문의 : 062-613-{tel}",
    "자세한 사항은 시 누리집(www.gwangju.go.kr)을 참고하면 된다.",
    "신청 기간 : {month}. {d}. ~ {month}. {d2}.",
    "R&D 예산 & 사업비 포함",
    "대상 : 만 19세~39세 청년",
]
CAPTIONS = [
    "{person_i} {d}일 {place}에서 열린 ‘{subject} {action}’ 행사에 참석해 관계자들과 기념촬영을 하고 있다. /광주광역시 제공",
    "▶ {d}일 {place}에서 {subject} 관련 현장 점검이 진행되고 있다.",
    "{place} 전경. /광주광역시 제공",
]
SUBTITLES = [
    "- ‘{subject}’ {n}0여명 참여…{action}",
    "- {district}·{district2} 대상 {subject} {action}",
    "- 올해 {n}억 원 투입…{subject} 기반 마련",
]
CATEGORIES = ["시정", "경제", "문화", "복지", "환경", "교통", "안전", "행정"]
FILE_EXTS = ["hwp", "hwpx", "pdf", "jpg", "png", "xlsx", "zip"]
PHONE_PREFIX = "062-613-"


def josa(word: str, with_final: str, without_final: str) -> str:
    """The word with the particle its last syllable takes (광주시는 / 시장은, 모집을 / 발표를)."""
    last = word[-1]
    has_final = "가" <= last <= "힣" and (ord(last) - 0xAC00) % 28 != 0
    return word + (with_final if has_final else without_final)


def _fill(template: str, rng: random.Random) -> str:
    subject, subject2 = rng.sample(SUBJECTS, 2)
    action, org, person = rng.choice(ACTIONS), rng.choice(ORGS), rng.choice(PEOPLE)
    district, district2 = rng.sample(DISTRICTS, 2)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    return template.format(
        d=day,
        d2=min(day + rng.randint(1, 10), 31),
        month=month,
        place=rng.choice(PLACES),
        subject=subject,
        subject2=subject2,
        action=action,
        action_eul=josa(action, "을", "를"),
        subject_eun=josa(subject, "은", "는"),
        org_wa=josa(org, "과", "와"),
        person_i=josa(person, "이", "가"),
        district=district,
        district2=district2,
        n=rng.randint(2, 90),
        org=org,
        person=person,
        tel=rng.randint(2000, 8999),
    )


def department(rng: random.Random) -> str:
    return rng.choice(DEPARTMENTS)


def phone(rng: random.Random) -> str:
    return f"{PHONE_PREFIX}{rng.randint(2000, 8999)}"


def title(rng: random.Random, *, press: bool) -> str:
    """A post title; some are longer than the list's 40-character cut, some carry & < > and quotes."""
    subject = rng.choice(SUBJECTS)
    action = rng.choice(ACTIONS)
    year = rng.randint(2019, 2025)
    shapes = [
        f"광주시, {subject} {action}",
        f"{year}년 {subject} {rng.choice(NOTICE_KINDS)}",
        f"{rng.choice(DISTRICTS)} {subject} {action} 안내({rng.randint(1, 12)}월 {rng.randint(1, 28):02d}일)",
        f"‘{subject}’ {action}…{rng.choice(PLACES)} 일대 {rng.choice(ACTIONS)}",
        f"{rng.choice(PLACES)} {subject} 및 {rng.choice(SUBJECTS)} {action}에 따른 "
        f"{rng.choice(DEPARTMENTS)} 실시간 측정데이터 공개",
        f"[{rng.choice(NOTICE_KINDS)}] {subject} R&D 지원사업 <{year}> {action}",
    ]
    if press:
        shapes.append(f"광주 {subject} 관계자들, {rng.choice(ACTIONS)} 다짐")
    return rng.choice(shapes)


def subtitle(rng: random.Random) -> str:
    lines = [_fill(rng.choice(SUBTITLES), rng) for _ in range(rng.randint(1, 2))]
    return "\n".join(lines)


def category(rng: random.Random) -> str:
    return rng.choice(CATEGORIES)


def caption(rng: random.Random) -> str:
    return _fill(rng.choice(CAPTIONS), rng)


def _sentence(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return f"{josa(rng.choice(PEOPLE), '은', '는')} " + _fill(rng.choice(QUOTES), rng)
    middle = _fill(rng.choice(SENTENCE_MIDDLES), rng)
    return f"{rng.choice(SENTENCE_OPENERS)} {middle} {rng.choice(SENTENCE_ENDS)}"


def body_paragraphs(rng: random.Random) -> list[str]:
    """Paragraphs of a body: from one line up to ~20 KB of text (most posts a few KB)."""
    size = rng.choice([1, 1, 2, 3, 5, 8, 12, 20, 30, 60, 110])
    paragraphs = []
    for _ in range(size):
        count = rng.randint(1, 3)
        paragraphs.append(" ".join(_sentence(rng) for _ in range(count)))
    if rng.random() < 0.5:
        paragraphs.append(_fill(rng.choice(LINE_EXTRAS), rng))
    return paragraphs


def file_name(rng: random.Random, post_title: str, index: int) -> str:
    ext = rng.choice(FILE_EXTS)
    if index == 0 and rng.random() < 0.5:
        stem = post_title.replace("/", " ").replace("<", "").replace(">", "")[:60].strip()
    else:
        stem = (
            rng.choice(["붙임", "사진", "신청서", "참고자료", "공고문", "서식"])
            + f"_{rng.choice(SUBJECTS)}"
        )
    return f"{stem}.{ext}"
