"""Maps the top-level folders environments/, rewards/, sandbox/ into the agentrl namespace."""

from setuptools import find_packages, setup

MAPPED_FOLDERS = {
    "agentrl.environments": "environments",
    "agentrl.rewards": "rewards",
    "agentrl.sandbox": "sandbox",
}

packages = find_packages(include=["agentrl", "agentrl.*"])
for namespace, folder in MAPPED_FOLDERS.items():
    packages += [namespace] + [f"{namespace}.{sub}" for sub in find_packages(folder)]

setup(
    packages=packages,
    package_dir={"agentrl": "agentrl", **MAPPED_FOLDERS},
    package_data={"": ["*.yaml", "*.json", "*.pddl", "*.twl2", "*.txt", "*.html", "*.css"]},
)
