"""`make demo`: load a realistic sample brief into a running stack through the public API.

A brand organization, shot types (front, back, side, detail...), four AI subjects with a base
image per shot type, three dozen products across genders and placements, a guidelines template
and a shooting with its main products, then looks with generated images in several review
statuses (devstack/demo_board.py). Every image is drawn here with Pillow and sent as a `data:`
URL, so nothing is downloaded. Run it against `make run` (GATEWAY_PORT, or
DEMO_GATEWAY_URL for another host); it prints what it created.
"""

from __future__ import annotations

import base64
import io
import os
import sys
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from PIL import Image, ImageDraw

from devstack.demo_board import DemoBoard

SHOT_TYPES = [
    ("Front full body", "FRONT", "FULL_BODY"),
    ("Back full body", "BACK", "FULL_BODY"),
    ("Side full body", "SIDE", "FULL_BODY"),
    ("Front upper body", "FRONT", "UPPER_BODY"),
    ("Front lower body", "FRONT", "LOWER_BODY"),
    ("Detail", "FRONT", "DETAIL"),
]
SUBJECTS = [
    ("Alba", "FEMALE", "YOUNG"),
    ("Chiara", "FEMALE", "MIDDLE_AGE"),
    ("Marco", "MALE", "YOUNG"),
    ("Jonas", "MALE", "MIDDLE_AGE"),
]
# (product type, placement, genders, colours)
CATALOGUE = [
    ("t-shirt", "TOP", ("MALE", "FEMALE", "UNISEX"), ("white", "black")),
    ("shirt", "TOP", ("MALE", "FEMALE"), ("sky blue", "white")),
    ("knit sweater", "TOP", ("FEMALE", "UNISEX"), ("camel", "forest green")),
    ("jeans", "BOTTOM", ("MALE", "FEMALE"), ("indigo", "stone")),
    ("pleated skirt", "BOTTOM", ("FEMALE",), ("navy", "burgundy")),
    ("chinos", "BOTTOM", ("MALE",), ("sand", "olive")),
    ("wool coat", "OUTERWEAR", ("MALE", "FEMALE"), ("charcoal", "camel")),
    ("sneakers", "SHOES", ("UNISEX",), ("white", "grey")),
    ("leather boots", "SHOES", ("FEMALE", "MALE"), ("brown",)),
    ("tote bag", "ACCESSORY", ("FEMALE", "UNISEX"), ("black", "tan")),
    ("scarf", "ACCESSORY", ("UNISEX",), ("red", "mustard")),
]
COLOURS = {
    "white": (240, 240, 236),
    "black": (30, 30, 30),
    "sky blue": (150, 190, 230),
    "camel": (193, 154, 107),
    "forest green": (34, 85, 51),
    "indigo": (52, 62, 110),
    "stone": (180, 172, 160),
    "navy": (28, 40, 80),
    "burgundy": (110, 25, 45),
    "sand": (210, 190, 150),
    "olive": (110, 110, 60),
    "charcoal": (60, 60, 64),
    "grey": (150, 150, 150),
    "brown": (100, 65, 40),
    "tan": (200, 160, 110),
    "red": (190, 40, 40),
    "mustard": (215, 170, 40),
}


def data_url(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def silhouette(seed: int, view: str, framing: str) -> str:
    """A small figure on a studio backdrop: enough to tell views and framings apart."""
    image = Image.new("RGB", (96, 144), (236 - seed * 8, 232 - seed * 4, 226))
    draw = ImageDraw.Draw(image)
    skin = (224 - seed * 20, 190 - seed * 18, 160 - seed * 15)
    top = {"FULL_BODY": 0, "UPPER_BODY": -10, "LOWER_BODY": -70, "DETAIL": -40}[framing]
    scale = 1.0 if framing == "FULL_BODY" else 1.6
    head = [48 - 10 * scale, 12 + top, 48 + 10 * scale, 12 + top + 20 * scale]
    draw.ellipse(head, fill=skin if view != "BACK" else (60, 45, 35))
    width = 14 if view == "SIDE" else 22
    draw.rectangle([48 - width * scale / 2, 34 + top, 48 + width * scale / 2, 90 + top * 0.5], fill=(90, 90, 110))
    draw.rectangle([48 - width * scale / 2, 90 + top * 0.5, 48 + width * scale / 2, 140], fill=(70, 70, 90))
    return data_url(image)


def swatch(colour: str, label: str) -> str:
    image = Image.new("RGB", (96, 96), COLOURS[colour])
    ImageDraw.Draw(image).text((6, 80), label[:14], fill=(255, 255, 255) if sum(COLOURS[colour]) < 380 else (0, 0, 0))
    return data_url(image)


@dataclass
class Demo:
    client: httpx.Client

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(path, json=body)
        if response.status_code != 200:
            raise SystemExit(f"POST {path} failed: {response.status_code} {response.text}")
        return response.json()

    def run(self) -> dict[str, Any]:
        run_id = uuid.uuid4().hex[:6]
        org = self.post("/organizations/", {"name": f"Maison Demo {run_id}"})["id"]
        scoped = {"organization_id": org}
        shot_types = [
            self.post("/shot-types/", {"name": name, "view_angle": view, "framing": framing, **scoped})
            for name, view, framing in SHOT_TYPES
        ]
        subjects = [
            self.post(
                "/subjects/",
                {
                    "name": name,
                    "gender": gender,
                    "age_class": age,
                    "subject_type": "AI",
                    "base_images": [
                        {"shot_type_id": st["id"], "image_url": silhouette(i, st["view_angle"], st["framing"])}
                        for st in shot_types
                    ],
                    **scoped,
                },
            )
            for i, (name, gender, age) in enumerate(SUBJECTS)
        ]
        products = [
            self.post(
                "/products/",
                {
                    "name": f"{colour.title()} {product_type}",
                    "sku": f"DEMO-{run_id}-{n:03d}",
                    "brand": "Maison Demo",
                    "brand_collection": "FW27",
                    "gender": gender,
                    "product_type": product_type,
                    "placement": placement,
                    "color_name": colour,
                    "cover_image_url": swatch(colour, product_type),
                    "description": f"{colour} {product_type} from the FW27 collection",
                    "season": "FW27",
                    **scoped,
                },
            )
            for n, (product_type, placement, genders, colours, gender, colour) in enumerate(
                (t, p, g, c, gender, colour) for t, p, g, c in CATALOGUE for gender in g for colour in c
            )
        ]
        guidelines = self.post(
            "/guidelines/",
            {
                "name": "FW27 e-commerce",
                "subject_ids": [s["id"] for s in subjects],
                "shot_type_ids": [s["id"] for s in shot_types],
                "shot_type_rules": [
                    {"rule_kind": "placement", "rule_value": "SHOES", "shot_type_ids": [shot_types[5]["id"]]},
                ],
                **scoped,
            },
        )
        shooting = self.post(
            "/shootings/",
            {
                "name": "FW27 e-commerce",
                "due_date": "2027-03-01T09:00:00Z",
                "brand": "Maison Demo",
                "season": "FW27",
                "default_guidelines_id": guidelines["id"],
                **scoped,
            },
        )
        self.post(f"/shootings/{shooting['id']}/main-products", {"product_ids": [p["id"] for p in products]})
        created = {
            "organization": org,
            "shot_types": shot_types,
            "subjects": subjects,
            "products": products,
            "guidelines": guidelines,
            "shooting": shooting,
        }
        created["looks"] = DemoBoard(self.client, created).build()
        return created


def main() -> int:
    base = os.environ.get("DEMO_GATEWAY_URL") or f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8000')}"
    email = os.environ.get("FIRST_SUPERUSER", "admin@example.com")
    password = os.environ.get("FIRST_SUPERUSER_PASSWORD", "changethis")
    with httpx.Client(base_url=f"{base}/api/v1", timeout=30) as client:
        login = client.post("/login/access-token", data={"username": email, "password": password})
        if login.status_code != 200:
            print(f"cannot log in at {base} as {email}: {login.status_code} {login.text}", file=sys.stderr)
            return 1
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        created = Demo(client).run()
    print(f"demo brief loaded into {base}")
    print(f"  organization  {created['organization']}")
    print(f"  shot types    {len(created['shot_types'])}: {', '.join(s['name'] for s in created['shot_types'])}")
    print(f"  subjects      {len(created['subjects'])}: {', '.join(s['name'] for s in created['subjects'])}")
    print(f"  products      {len(created['products'])} across genders and placements")
    print(f"  guidelines    {created['guidelines']['id']} ({created['guidelines']['name']})")
    print(f"  shooting      {created['shooting']['id']} ({created['shooting']['name']})")
    statuses = sorted({shot["status"] for look in created["looks"] for shot in look["shots"]})
    print(f"  looks         {len(created['looks'])} with generated images, shots {', '.join(statuses)}")
    print(f"  review them   {base}/console/#/shootings/{created['shooting']['id']}")
    print(f"  API docs      {base}/docs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
