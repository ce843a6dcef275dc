"""`make validate`: load the whole catalogue and report every problem, or say it is valid."""

from __future__ import annotations

import sys

from actions.city_catalogue import CatalogueError, default_directory, load_catalogue


def main() -> int:
    directory = default_directory()
    try:
        catalogue = load_catalogue(directory)
    except CatalogueError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Catalogue {directory}: valid ({len(catalogue.services.ids())} services, "
          f"{len(catalogue.procedures.ids())} procedures, {len(catalogue.faq)} FAQ entries).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
