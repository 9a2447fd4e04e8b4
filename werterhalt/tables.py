"""Base table and columns shared by every list (django-tables2)."""

import django_tables2 as tables
from django.db import models
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils import formats
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_tables2.columns.base import library
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.columns.manytomanycolumn import ManyToManyColumn
from django_tables2.data import TableQuerysetData
from django_tables2.rows import BoundPinnedRow
from django_tables2.utils import A, AttributeDict, signature

from inventory import scopes
from werterhalt.templatetags.werterhalt import day, moment


class BadgeColumn(tables.Column):
    """A choice shown as a coloured badge with its label: colour and text, never colour alone.

    ``color`` is the name of a method on the row (``get_status_color``) or a callable(value)."""

    def __init__(self, *args, color=None, choices=None, **kwargs):
        self.color, self.choices = color, choices
        # with ``choices`` the badge is made from the stored value alone: the rows need not look
        # up the field's display label (``CellMaker``), and each badge is made once per language
        self.raw_value = choices is not None
        self.badges = {}
        super().__init__(*args, **kwargs)

    def render(self, value, record, bound_column):
        # tables2 hands a choice field's display label as ``value``: read the stored value
        raw = bound_column.accessor.resolve(record, quiet=True)
        if self.choices is not None:
            if raw in (None, ""):
                return "—"
            key = (raw, get_language())
            if key not in self.badges:
                color, label = self.choices.color(raw), self.choices(raw).label
                # the title holds the label where a narrow list cuts it (app.css table.one-line)
                self.badges[key] = format_html(
                    '<span class="badge badge-{}" title="{}">{}</span>', color, label, label
                )
            return self.badges[key]
        else:
            getter = getattr(record, self.color, None) if isinstance(self.color, str) else None
            color = getter() if getter else "secondary"
            label = value
        return format_html('<span class="badge badge-{}">{}</span>', color, label)

    def value(self, value, record, bound_column):
        """The list's CSV export: the label people read on the page, in their language (the
        asset list's import-format export writes the codes, inventory.assets_csv)."""
        raw = bound_column.accessor.resolve(record, quiet=True)
        if self.choices is not None:
            return "" if raw in (None, "") else str(self.choices(raw).label)
        return value


# Registered with django-tables2's library (last registered wins), so a model's date and datetime
# fields listed in ``Meta.fields`` get these too, instead of the locale's SHORT_DATE_FORMAT (US
# m/d/Y in English). Exports keep ISO (``value`` of DateColumn / DateTimeColumn).
@library.register
class DayColumn(tables.DateColumn):
    """A date as people read it (the ``day`` filter): 17.05.2026 in German, 2026-05-17 in English."""

    def render(self, value):
        return day(value) or "—"

    @classmethod
    def from_field(cls, field, **kwargs):
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            return cls(**kwargs)


@library.register
class MomentColumn(tables.DateTimeColumn):
    """A local date and time to the minute (the ``moment`` filter): 17.05.2026 14:03 in German."""

    def render(self, value):
        return moment(value) or "—"

    @classmethod
    def from_field(cls, field, **kwargs):
        if isinstance(field, models.DateTimeField):
            return cls(**kwargs)


class CutColumn(tables.Column):
    """A text that can be long (a name, a model, a site): one line, cut with an ellipsis where the
    column is narrower (app.css ``.cut``); the whole text in the ``title`` (shown on hover)."""

    def __init__(self, *args, attrs=None, link_to=None, **kwargs):
        """``link_to``: with ``linkify=True``, the accessor of the object whose page the cell links
        to, when that is not the value (a model's name links to the model)."""
        attrs = dict(attrs or {})
        td = dict(attrs.get("td", {}))
        td["class"] = f"cut-cell {td.get('class', '')}".strip()
        attrs["td"] = td
        super().__init__(*args, attrs=attrs, **kwargs)
        if link_to is not None:
            self.link.accessor = A(link_to)

    def render(self, value):
        return format_html('<span class="cut" title="{}">{}</span>', value, value)

    def value(self, value):
        return value


class ScopedColumn(tables.Column):
    """An org unit or asset that may lie outside the viewer's scope (a site's owner, a unit's
    parent, a policy's unit above the scope): outside it, a placeholder without a link, in the
    page and in the CSV (``inventory.scopes.shows``)."""

    def __init__(self, *args, **kwargs):
        kwargs.pop("linkify", None)
        super().__init__(*args, **kwargs)

    @staticmethod
    def _shown(value, table) -> bool:
        request = getattr(table, "request", None)
        return request is None or scopes.shows(scopes.scope_of(request), value)

    def render(self, value, table):
        if not self._shown(value, table):
            return scopes.hidden_text()
        return format_html('<a href="{}">{}</a>', value.get_absolute_url(), value)

    def value(self, value, table):
        return str(value) if self._shown(value, table) else scopes.hidden_text()


class SelectColumn(tables.CheckBoxColumn):
    """The row's checkbox for bulk actions: django-tables2's, with the part that is the same on
    every row (its name and translated aria-label) written once per page and language."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parts = {}

    def render(self, value, bound_column, record):
        extra = self.attrs.get("td__input") or self.attrs.get("input") or {}
        if self.is_checked(value, record) or any(callable(v) for v in extra.values()):
            return super().render(value, bound_column, record)
        key = (bound_column.name, get_language())
        if key not in self.parts:
            self.parts[key] = (escape(bound_column.name), AttributeDict(extra).as_html())
        name, rest = self.parts[key]
        rest = f" {rest}" if rest else ""
        return mark_safe(f'<input type="checkbox" name="{name}" value="{escape(value)}"{rest} />')  # noqa: S308


class MoneyColumn(tables.Column):
    attrs = {"td": {"class": "num"}, "th": {"class": "num"}}

    def render(self, value):
        return f"{value:,.2f}".replace(",", "\u2019")

    def value(self, value):
        return value


class IdsFirstQuerysetData(TableQuerysetData):
    """A page of a large queryset in two steps: the page's primary keys from a narrow query (an
    index can serve it, and a deep OFFSET skips index entries, not joined rows), then those rows
    with all their joins. Same rows, same order; on 100,000 assets page 1,500 drops from ~165 ms
    of SQL to ~10 ms."""

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return super().__getitem__(key)
        ids = list(self.data.values_list("pk", flat=True)[key])
        rows = {obj.pk: obj for obj in self.data.order_by().filter(pk__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]

    def order_by(self, aliases):
        super().order_by(aliases)
        # a sort on a column with equal values (dates, statuses) needs a tie-breaker, or rows
        # move between pages
        order = [str(o) for o in self.data.query.order_by]
        if order and not any(o.lstrip("-") in ("pk", "id") for o in order):
            self.data = self.data.order_by(*order, "pk")


def _has_callable(attrs: dict) -> bool:
    return any(callable(v) or (isinstance(v, dict) and _has_callable(v)) for v in attrs.values())


class CellMaker:
    """How one column's cells are made: the steps of django-tables2's ``BoundRow.get_cell`` (the
    ``get_FOO_display`` of a choice field, the column's default for an empty value, ``render`` or
    the table's ``render_FOO`` with the arguments it names, the link), with what does not change
    from row to row worked out once per page instead of once per cell: the arguments the render
    method takes (tables2 asks ``inspect.signature`` on every cell), the model field behind the
    accessor and the ``<td>`` attributes."""

    def __init__(self, table, bound_column):
        self.table, self.bound_column, self.column = table, bound_column, bound_column.column
        self.accessor = A(bound_column.accessor)
        self.bits = self.accessor.bits
        path, _sep, self.remainder = self.accessor.rpartition(self.accessor.SEPARATOR)
        self.path = A(path)
        # record type -> whether the field behind the accessor has choices (get_FOO_display);
        # a column that makes its cell from the stored value (BadgeColumn) needs no label
        self.fields = {}
        self.raw_value = getattr(self.column, "raw_value", False)
        self.empty_values = self.column.empty_values
        self.many = isinstance(self.column, ManyToManyColumn)
        self.text_link = isinstance(self.column, BaseLinkColumn) and self.column.text is not None
        self.default = bound_column.default
        self.render = bound_column.render
        names, catch_all = signature(self.render)
        self.arguments = None if catch_all else tuple(names)
        self.callable_attrs = _has_callable(dict(table.attrs)) or _has_callable(dict(self.column.attrs))
        self.td = None if self.callable_attrs else bound_column.attrs["td"].as_html()
        self.localize = self.column.localize
        self.link = bound_column.link
        self.urls = {}  # (model, pk) -> its get_absolute_url(): rows share sites, models, units
        self.link_accessor = self.link_arguments = None
        if self.link is not None and not self.link.attrs and not self.link.reverse_args:
            if callable(self.link.url):
                names, catch_all = signature(self.link.url)
                self.link_arguments = None if catch_all else tuple(names)
                self.link_accessor = False
            elif self.link.url is None:
                target = self.link.accessor if self.link.accessor is not None else bound_column.name
                self.link_accessor = A(target)

    def display_field(self, record):
        kind = type(record)
        if kind not in self.fields:
            field = self.accessor.get_field(record)
            self.fields[kind] = bool(getattr(field, "choices", ()))
        return self.fields[kind]

    def __call__(self, record, bound_row):
        value, remainder = None, self.remainder
        if not self.raw_value and self.display_field(record):
            penultimate = self.path.resolve(record, quiet=True)
            if isinstance(penultimate, models.Model):
                display = getattr(penultimate, f"get_{remainder}_display", None)
                if display:
                    value, remainder = display(), None
        if remainder:
            try:
                value = self.resolve(record)
            except Exception:
                if self.text_link:
                    return self.call(record, bound_row, None)
        if value in self.empty_values or (self.many and not value.exists()):
            return self.default
        return self.call(record, bound_row, value)

    def resolve(self, record):
        """``Accessor.resolve`` along model attributes, without first trying each step as a dict
        key (an exception per step); a dict, an indexable object or a callable on the way is left
        to ``Accessor.resolve``."""
        current = record
        for bit in self.bits:
            if not isinstance(current, models.Model) or hasattr(current, "__getitem__"):
                return self.accessor.resolve(record)
            current = getattr(current, bit)
            if callable(current):
                return self.accessor.resolve(record)
            if current is None:
                break
        return current

    def call(self, record, bound_row, value):
        kwargs = {
            "value": value,
            "record": record,
            "column": self.column,
            "bound_column": self.bound_column,
            "bound_row": bound_row,
            "table": self.table,
        }
        render = self.render
        if self.arguments is None:
            content = render(**kwargs)
        else:
            content = render(**{name: kwargs[name] for name in self.arguments})
        if self.link is None:
            return content
        if self.link_accessor is None:  # a link with attributes or reverse() arguments
            return self.link(content, **kwargs)
        # what LinkTransform does, with the URL of an object looked up once per page
        if self.link_accessor is False:
            url = self.link.url(**kwargs) if self.link_arguments is None else self.link.url(
                **{name: kwargs[name] for name in self.link_arguments})
        else:
            target = self.link_accessor.resolve(record)
            if not hasattr(target, "get_absolute_url"):
                target = record
            key = (type(target), getattr(target, "pk", None))
            if key[1] is None:
                url = target.get_absolute_url()
            else:
                if key not in self.urls:
                    self.urls[key] = target.get_absolute_url()
                url = self.urls[key]
        if url is None:
            return content
        return format_html('<a href="{}">{}</a>', url, content)

    def td_attrs(self, record, value) -> str:
        if self.td is not None:
            return self.td
        self.bound_column.current_record, self.bound_column.current_value = record, value
        return self.bound_column.attrs["td"].as_html()


class Table(tables.Table):
    """A django-tables2 table whose body (werterhalt/table.html) is written here in one pass,
    the same cells as the template loop of django-tables2 would write, at a fraction of the
    cost: a page of 50 assets has 500 cells, each of which cost several template lookups, an
    ``inspect.signature`` and an attribute dictionary rebuilt per cell."""

    renders_body = True

    def body_html(self):
        columns = [CellMaker(self, bound) for bound in self.columns]
        context = Context(autoescape=True)
        plain_rows = not self.row_attrs  # then a row's attributes are its even/odd class
        out = []
        for row in self.paginated_rows:
            pinned = isinstance(row, BoundPinnedRow)
            if plain_rows and not pinned:
                out.append('<tr class="odd">' if row.row_counter % 2 else '<tr class="even">')
            else:
                out.append(f"<tr {row.attrs.as_html()}>")
            record = row.record
            for maker in columns:
                cell = row.get_cell(maker.bound_column.name) if pinned else maker(record, row)
                if type(cell) is SafeString:  # what render_value_in_context leaves as it is
                    text = cell
                elif type(cell) is str and maker.localize is None:  # and what it only escapes
                    text = escape(cell)
                elif maker.localize is None:
                    text = render_value_in_context(cell, context)
                else:
                    text = conditional_escape(_localized(cell, maker.localize))
                out.append(f"<td {maker.td_attrs(record, cell)}>{text}</td>")
            out.append("</tr>\n")
        if not out and self.empty_text:
            out.append(f'<tr><td colspan="{len(columns)}">{conditional_escape(self.empty_text)}</td></tr>')
        tbody = self.attrs.get("tbody")
        tbody = tbody.as_html() if isinstance(tbody, AttributeDict) else ""
        # every cell went through conditional_escape (render_value_in_context) or is SafeString
        return mark_safe(f"<tbody {tbody}>{''.join(out)}</tbody>")  # noqa: S308


def _localized(value, on: bool) -> str:
    """``{{ cell|localize }}`` / ``{{ cell|unlocalize }}`` of django-tables2's template."""
    return str(formats.localize(value, use_l10n=on))


class BaseTable(Table):
    pk = SelectColumn(
        accessor="pk",
        attrs={
            "th__input": {"aria-label": _("Select all"), "data-select-all": "1"},
            "td__input": {"aria-label": _("Select row")},
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if type(self.data) is TableQuerysetData:
            self.data.__class__ = IdsFirstQuerysetData
        # each cell carries its column's name as a class: styling and tests can find it
        for name, bound in self.columns.columns.items():
            attrs = dict(bound.column.attrs)
            td = dict(attrs.get("td", {}))
            if name not in td.get("class", "").split():
                td["class"] = f"{td.get('class', '')} {name}".strip()
            bound.column.attrs = {**attrs, "td": td}

    class Meta:
        attrs = {"class": "table", "id": "object-list"}
        fixed_columns = ("pk",)
        empty_text = _("Nothing matches.")
