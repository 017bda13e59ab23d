//! Table content both ways: `tableContent` JSON → `tableRow > (tableHeader | tableCell) >
//! tableParagraph` nodes as `tableContentToNodes` builds them, and back as
//! `contentNodeToTableContent` reads them (`@blocknote/core`,
//! `src/api/nodeConversions/{blockToNode,nodeToBlock}.ts`).
//!
//! A cell is a header when its row is among the first `headerRows` or its index among the first
//! `headerCols`. Its `colwidth` is the width of the column it starts in, found on BlockNote's
//! occupancy grid (spans push later cells right); a cell spanning several columns gets all
//! their widths. Corral refuses a row whose cells do not fit the table's width (BlockNote moves
//! them into a later row) and tables of more than [`MAX_SLOTS`] grid slots.

use serde_json::{Map, Value, json};
use yrs::{Any, Out, ReadTxn, Xml, XmlElementRef, XmlFragment, XmlOut};

use super::ContentError;
use super::node::{Attrs, Element, Node, Run};
use super::parse::{self, Path};
use super::read::{inline_content, json as plain_json, props};
use super::schema::{TABLE_CELL, TABLE_CELL_PROPS, TABLE_HEADER, TABLE_PARAGRAPH, TABLE_ROW};

/// The most grid slots (rows × columns, spans included) a table may cover.
pub(super) const MAX_SLOTS: usize = 1 << 20;

/// The most columns or rows one cell may span.
const MAX_SPAN: u64 = 1000;

/// One parsed cell, before its place on the grid is known.
struct Cell<'v> {
    content: Vec<Node>,
    /// The cell's props when it was given as `{type: "tableCell", props}`.
    props: Option<&'v Map<String, Value>>,
    /// Whether it was given as `{type: "tableCell"}` (only those get several column widths).
    partial: bool,
    /// The span BlockNote's `getColspan` sees: the props' colspan only when both `props` and
    /// `content` are present (`isTableCell`), else 1.
    width_colspan: usize,
    colspan: usize,
    rowspan: usize,
}

/// The rows of a table block, from its `content`.
pub(super) fn parse(value: Option<&Value>, path: &Path) -> Result<Vec<Node>, ContentError> {
    let fields = match value {
        Some(Value::Object(fields)) => fields,
        _ => return Err(path.error("expected table content (an object of type \"tableContent\")")),
    };
    match fields.get("type") {
        Some(Value::String(kind)) if kind == "tableContent" => {}
        _ => return Err(path.key("type").error("expected \"tableContent\"")),
    }
    let header_rows = count(fields.get("headerRows"), &path.key("headerRows"))?;
    let header_cols = count(fields.get("headerCols"), &path.key("headerCols"))?;
    let widths = column_widths(fields.get("columnWidths"), &path.key("columnWidths"))?;

    let rows_path = path.key("rows");
    let rows = match fields.get("rows") {
        Some(Value::Array(rows)) if !rows.is_empty() => rows,
        Some(Value::Array(_)) => return Err(rows_path.error("a table has at least one row")),
        _ => return Err(rows_path.error("expected an array of rows")),
    };
    let mut cells = Vec::with_capacity(rows.len());
    for (r, row) in rows.iter().enumerate() {
        let row_path = rows_path.index(r);
        let row = parse::object(row, &row_path, "a row")?;
        let cells_path = row_path.key("cells");
        let given = match row.get("cells") {
            Some(Value::Array(given)) if !given.is_empty() => given,
            Some(Value::Array(_)) => return Err(cells_path.error("a row has at least one cell")),
            _ => return Err(cells_path.error("expected an array of cells")),
        };
        let parsed = given
            .iter()
            .enumerate()
            .map(|(c, cell_value)| cell(cell_value, &cells_path.index(c)))
            .collect::<Result<Vec<_>, _>>()?;
        cells.push(parsed);
    }

    let starts = place(&cells, &rows_path)?;

    let mut row_nodes = Vec::with_capacity(cells.len());
    for (r, (row, row_starts)) in cells.into_iter().zip(starts).enumerate() {
        let mut cell_nodes = Vec::with_capacity(row.len());
        for (c, (cell, start)) in row.into_iter().zip(row_starts).enumerate() {
            let cell_path = rows_path.index(r);
            let cell_path = cell_path.key("cells");
            let cell_path = cell_path.index(c);
            let mut attrs =
                parse::props_to_attrs(TABLE_CELL_PROPS, cell.props, &cell_path.key("props"))?;
            if let Some(colwidth) = colwidth(&cell, start, &widths) {
                attrs.insert("colwidth", colwidth);
            }
            let name = if r < header_rows || c < header_cols {
                TABLE_HEADER
            } else {
                TABLE_CELL
            };
            let paragraph = Element {
                name: TABLE_PARAGRAPH,
                attrs: Attrs::new(),
                children: cell.content,
            };
            cell_nodes.push(Node::Element(Element {
                name,
                attrs,
                children: vec![Node::Element(paragraph)],
            }));
        }
        row_nodes.push(Node::Element(Element {
            name: TABLE_ROW,
            attrs: Attrs::new(),
            children: cell_nodes,
        }));
    }
    Ok(row_nodes)
}

fn cell<'v>(value: &'v Value, path: &Path) -> Result<Cell<'v>, ContentError> {
    let plain = |content| Cell {
        content,
        props: None,
        partial: false,
        width_colspan: 1,
        colspan: 1,
        rowspan: 1,
    };
    match value {
        Value::Null => Ok(plain(Vec::new())),
        // BlockNote writes a string cell as one text node: its `\n` stays in the text.
        Value::String(text) if text.is_empty() => Ok(plain(Vec::new())),
        Value::String(text) => Ok(plain(vec![Node::Text(vec![Run {
            text: text.clone(),
            marks: Default::default(),
        }])])),
        Value::Array(_) => Ok(plain(parse::inline(Some(value), false, path)?)),
        Value::Object(fields) if fields.get("type") == Some(&Value::from("tableCell")) => {
            let props = match fields.get("props") {
                None => None,
                Some(Value::Object(props)) => Some(props),
                Some(_) => return Err(path.key("props").error("expected an object")),
            };
            let content = parse::inline(fields.get("content"), false, &path.key("content"))?;
            let span = |name| -> Result<usize, ContentError> {
                match props.and_then(|p| p.get(name)) {
                    None | Some(Value::Null) => Ok(1),
                    Some(value) => match value.as_u64() {
                        Some(n @ 1..=MAX_SPAN) => Ok(n as usize),
                        _ => Err(path
                            .key("props")
                            .key(name)
                            .error(format!("expected a whole number from 1 to {MAX_SPAN}"))),
                    },
                }
            };
            let (colspan, rowspan) = (span("colspan")?, span("rowspan")?);
            let whole = props.is_some() && fields.contains_key("content");
            Ok(Cell {
                content,
                props,
                partial: true,
                width_colspan: if whole { colspan } else { 1 },
                colspan,
                rowspan,
            })
        }
        _ => Err(path.error("expected a cell: inline content or {\"type\": \"tableCell\"}")),
    }
}

/// The column each cell starts in, on BlockNote's occupancy grid (`getTableCellOccupancyGrid`):
/// cells fill each row left to right, skipping slots taken by spans from above.
fn place(rows: &[Vec<Cell>], path: &Path) -> Result<Vec<Vec<usize>>, ContentError> {
    let height = rows.len();
    let width = rows
        .iter()
        .map(|row| row.iter().map(|c| c.width_colspan).sum::<usize>())
        .max()
        .unwrap_or(0);
    if height.saturating_mul(width) > MAX_SLOTS {
        return Err(path.error(format!("a table covers at most {MAX_SLOTS} cells")));
    }
    let mut taken: Vec<Vec<bool>> = vec![vec![false; width]; height];
    let mut slots = 0usize;
    let mut starts = Vec::with_capacity(height);
    for (r, row) in rows.iter().enumerate() {
        let mut row_starts = Vec::with_capacity(row.len());
        // Every slot before `cursor` in this row is taken (by an earlier cell or a span).
        let mut cursor = 0;
        for (c, cell) in row.iter().enumerate() {
            let cell_path = path.index(r);
            let cell_path = cell_path.key("cells");
            let cell_path = cell_path.index(c);
            let from = c.max(cursor);
            let start = (from..width)
                .find(|&j| !taken[r].get(j).copied().unwrap_or(false))
                .ok_or_else(|| cell_path.error("the row's cells do not fit the table's width"))?;
            for i in r..r + cell.rowspan {
                let row_taken = taken.get_mut(i).ok_or_else(|| {
                    cell_path.error("the cell's rowspan reaches past the last row")
                })?;
                let end = start + cell.colspan;
                if row_taken.len() < end {
                    row_taken.resize(end, false);
                }
                for slot in &mut row_taken[start..end] {
                    if *slot {
                        return Err(cell_path.error("the cell overlaps another cell's span"));
                    }
                    *slot = true;
                }
                slots += cell.colspan;
                if slots > MAX_SLOTS {
                    return Err(path.error(format!("a table covers at most {MAX_SLOTS} cells")));
                }
            }
            cursor = start + cell.colspan;
            row_starts.push(start);
        }
        starts.push(row_starts);
    }
    Ok(starts)
}

/// The widths BlockNote stores on a cell: the width of the column it starts in when that is
/// set (and not 0), or for a `tableCell` spanning several columns, each spanned column's width
/// (`undefined` where unset).
fn colwidth(cell: &Cell, start: usize, widths: &[Option<Any>]) -> Option<Any> {
    let width = |column: usize| widths.get(column).cloned().flatten();
    if cell.partial && cell.width_colspan > 1 {
        let spanned: Vec<Any> = (start..start + cell.width_colspan)
            .map(|column| width(column).unwrap_or(Any::Undefined))
            .collect();
        return Some(Any::Array(spanned.into()));
    }
    match width(start) {
        Some(Any::Number(n)) if n.as_f64().is_some_and(|w| w != 0.0) => {
            Some(Any::Array(vec![Any::Number(n)].into()))
        }
        _ => None,
    }
}

fn count(value: Option<&Value>, path: &Path) -> Result<usize, ContentError> {
    match value {
        None | Some(Value::Null) => Ok(0),
        Some(value) => value
            .as_u64()
            .filter(|&n| n <= u64::from(u32::MAX))
            .map(|n| n as usize)
            .ok_or_else(|| path.error("expected a whole number")),
    }
}

fn column_widths(value: Option<&Value>, path: &Path) -> Result<Vec<Option<Any>>, ContentError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(widths)) => widths
            .iter()
            .enumerate()
            .map(|(i, width)| match width {
                Value::Null => Ok(None),
                Value::Number(n) => Ok(Some(parse::number(n))),
                _ => Err(path.index(i).error("expected a number or null")),
            })
            .collect(),
        Some(_) => Err(path.error("expected an array")),
    }
}

/// A `table` element's rows as `tableContent` JSON (`contentNodeToTableContent`).
pub(super) fn read<T: ReadTxn>(txn: &T, table: &XmlElementRef) -> Value {
    let rows: Vec<XmlElementRef> = elements(txn, table, |name| name == TABLE_ROW);
    let mut column_widths = Vec::new();
    let mut header_matrix: Vec<Vec<bool>> = Vec::with_capacity(rows.len());
    let mut rows_json = Vec::with_capacity(rows.len());
    for (r, row) in rows.iter().enumerate() {
        let cells = elements(txn, row, |name| name == TABLE_CELL || name == TABLE_HEADER);
        if r == 0 {
            for cell in &cells {
                match cell.get_attribute(txn, "colwidth") {
                    Some(Out::Any(Any::Array(widths))) => {
                        column_widths.extend(widths.iter().map(plain_json));
                    }
                    _ => {
                        let colspan = match cell.get_attribute(txn, "colspan") {
                            Some(Out::Any(Any::Number(n))) => n
                                .as_i64()
                                .filter(|n| (0..=MAX_SPAN as i64).contains(n))
                                .unwrap_or(1),
                            _ => 1,
                        };
                        column_widths.extend((0..colspan).map(|_| Value::Null));
                    }
                }
            }
        }
        header_matrix.push(
            cells
                .iter()
                .map(|c| c.tag().as_ref() == TABLE_HEADER)
                .collect(),
        );
        let cells_json: Vec<Value> = cells.iter().map(|cell| cell_json(txn, cell)).collect();
        rows_json.push(json!({ "cells": cells_json }));
    }

    let header_rows = header_matrix
        .iter()
        .filter(|row| !row.is_empty() && row.iter().all(|&h| h))
        .count();
    let first_width = header_matrix.first().map_or(0, Vec::len);
    let header_cols = (0..first_width)
        .filter(|&i| {
            header_matrix
                .iter()
                .filter(|row| !row.is_empty())
                .all(|row| row.get(i).copied().unwrap_or(false))
        })
        .count();

    let mut content = Map::new();
    content.insert("type".into(), "tableContent".into());
    content.insert("columnWidths".into(), column_widths.into());
    if header_rows > 0 {
        content.insert("headerRows".into(), header_rows.into());
    }
    if header_cols > 0 {
        content.insert("headerCols".into(), header_cols.into());
    }
    content.insert("rows".into(), rows_json.into());
    Value::Object(content)
}

fn cell_json<T: ReadTxn>(txn: &T, cell: &XmlElementRef) -> Value {
    // A cell may hold several paragraphs (prosemirror-tables merges cells that way); BlockNote
    // joins them with `\n` where two runs of equal styles meet.
    let mut content: Vec<Value> = Vec::new();
    for child in cell.children(txn) {
        let part = match child {
            XmlOut::Element(element) if super::schema::is_node(element.tag()) => {
                inline_content(txn, &element)
            }
            _ => Vec::new(),
        };
        if content.is_empty() {
            content = part;
            continue;
        }
        let mut part = part.into_iter();
        if let Some(first) = part.next() {
            match (content.last_mut(), &first) {
                (Some(last), first) if joinable(last, first) => {
                    let text = format!(
                        "{}\n{}",
                        last["text"].as_str().unwrap_or_default(),
                        first["text"].as_str().unwrap_or_default()
                    );
                    last["text"] = text.into();
                }
                _ => content.push(first),
            }
            content.extend(part);
        }
    }
    let props = props(txn, cell, TABLE_CELL_PROPS);
    json!({ "type": "tableCell", "content": content, "props": props })
}

fn joinable(last: &Value, first: &Value) -> bool {
    last["type"] == "text" && first["type"] == "text" && last["styles"] == first["styles"]
}

fn elements<T: ReadTxn>(
    txn: &T,
    parent: &XmlElementRef,
    wanted: impl Fn(&str) -> bool,
) -> Vec<XmlElementRef> {
    parent
        .children(txn)
        .filter_map(|child| match child {
            XmlOut::Element(element) if wanted(element.tag()) => Some(element),
            _ => None,
        })
        .collect()
}
