#!/usr/bin/env python3
"""Writes the README's ```csharp blocks of the given sections as methods of ReadmeSnippets.Snippets (see ReadmeSnippets.cs).

usage: extract-snippets.py README.md OUT.cs "Using the SDK" "ImageSharp"
"""
import re
import sys

readme, out, *sections = sys.argv[1:]
text = open(readme, encoding="utf-8").read()
methods = []
for section in sections:
    match = re.search(r"^## " + re.escape(section) + r"\n(.*?)(?=^## )", text, re.S | re.M)
    if not match:
        sys.exit(f"error: no section '## {section}' in {readme}")
    blocks = re.findall(r"^```csharp\n(.*?)^```", match.group(1), re.S | re.M)
    if not blocks:
        sys.exit(f"error: no csharp example in '## {section}'")
    for block in blocks:
        n = len(methods) + 1
        body = "".join("        " + line + "\n" for line in block.splitlines())
        methods.append(f"    // README, {section}, example {n}\n    public static async Task Snippet{n}()\n    {{\n{body}    }}\n")

with open(out, "w", encoding="utf-8") as f:
    f.write("// Generated from the README by extract-snippets.py; not committed.\n")
    f.write("#pragma warning disable CS0168, CS0219, CS1998 // examples declare what they show\n")
    f.write("namespace ReadmeSnippets;\n\npublic static partial class Snippets\n{\n" + "\n".join(methods) + "}\n")
print(f"{len(methods)} README examples")
