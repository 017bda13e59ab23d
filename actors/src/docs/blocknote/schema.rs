//! The BlockNote schema Corral converts against, pinned to the `@blocknote/core` version the web
//! UI ships (0.51.4, `web/package-lock.json`) plus Paca's three inline contents: block types with
//! their props (value type and default), styles, and inline contents (design-docs.md §8.2). The
//! corpus test (`corpus_tests.rs`) fails when this table and BlockNote disagree.

/// The `@blocknote/core` version this schema is taken from (the corpus records the one it ran).
#[cfg(test)]
pub(super) const BLOCKNOTE_VERSION: &str = "0.51.4";

/// The JSON type a prop takes; BlockNote derives it from the prop's default (or its `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    String,
    Number,
    Boolean,
}

/// A prop's default. `Undefined` is stored in Yjs as `undefined` and omitted when read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum PropDefault {
    Str(&'static str),
    Int(i64),
    Bool(bool),
    Undefined,
}

/// One prop (a ProseMirror attribute of the node that carries it).
#[derive(Debug)]
pub(super) struct Prop {
    pub name: &'static str,
    pub kind: Kind,
    pub default: PropDefault,
}

/// What a block holds besides its props.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Content {
    /// Styled text, links, hard breaks and custom inline contents.
    Inline,
    /// `tableContent`: rows of cells of inline content.
    Table,
    /// Nothing: the content node has no children.
    None,
}

/// A block type: the name of its content node, its props and its content.
#[derive(Debug)]
pub(super) struct BlockSpec {
    pub name: &'static str,
    pub props: &'static [Prop],
    pub content: Content,
    /// A code block keeps `\n` in its text instead of writing hard breaks.
    pub code: bool,
}

/// A custom inline content: an element with props as attributes and no children.
#[derive(Debug)]
pub(super) struct InlineSpec {
    pub name: &'static str,
    pub props: &'static [Prop],
}

/// How a style is written as a ProseMirror mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StyleKind {
    /// `true` → the mark with no attributes (`{}` in Yjs).
    Boolean,
    /// A string → the mark with `{stringValue}`.
    String,
}

const fn prop(name: &'static str, kind: Kind, default: PropDefault) -> Prop {
    Prop {
        name,
        kind,
        default,
    }
}

const BACKGROUND_COLOR: Prop = prop("backgroundColor", Kind::String, PropDefault::Str("default"));
const TEXT_COLOR: Prop = prop("textColor", Kind::String, PropDefault::Str("default"));
const TEXT_ALIGNMENT: Prop = prop("textAlignment", Kind::String, PropDefault::Str("left"));
const NAME: Prop = prop("name", Kind::String, PropDefault::Str(""));
const URL: Prop = prop("url", Kind::String, PropDefault::Str(""));
const CAPTION: Prop = prop("caption", Kind::String, PropDefault::Str(""));
const SHOW_PREVIEW: Prop = prop("showPreview", Kind::Boolean, PropDefault::Bool(true));
const PREVIEW_WIDTH: Prop = prop("previewWidth", Kind::Number, PropDefault::Undefined);

const TEXT_PROPS: &[Prop] = &[BACKGROUND_COLOR, TEXT_COLOR, TEXT_ALIGNMENT];
const MEDIA_PROPS: &[Prop] = &[
    TEXT_ALIGNMENT,
    BACKGROUND_COLOR,
    NAME,
    URL,
    CAPTION,
    SHOW_PREVIEW,
    PREVIEW_WIDTH,
];

const fn spec(name: &'static str, props: &'static [Prop], content: Content) -> BlockSpec {
    BlockSpec {
        name,
        props,
        content,
        code: false,
    }
}

/// The 14 built-in block types (`editor.schema.blockSchema` of 0.51.4, in its order of props).
pub(super) static BLOCKS: &[BlockSpec] = &[
    spec("paragraph", TEXT_PROPS, Content::Inline),
    spec(
        "heading",
        &[
            BACKGROUND_COLOR,
            TEXT_COLOR,
            TEXT_ALIGNMENT,
            // BlockNote lists 1–6 as the values but does not check them (7 is accepted).
            prop("level", Kind::Number, PropDefault::Int(1)),
            prop("isToggleable", Kind::Boolean, PropDefault::Bool(false)),
        ],
        Content::Inline,
    ),
    spec("bulletListItem", TEXT_PROPS, Content::Inline),
    spec(
        "numberedListItem",
        &[
            BACKGROUND_COLOR,
            TEXT_COLOR,
            TEXT_ALIGNMENT,
            prop("start", Kind::Number, PropDefault::Undefined),
        ],
        Content::Inline,
    ),
    spec(
        "checkListItem",
        &[
            BACKGROUND_COLOR,
            TEXT_COLOR,
            TEXT_ALIGNMENT,
            prop("checked", Kind::Boolean, PropDefault::Bool(false)),
        ],
        Content::Inline,
    ),
    spec("toggleListItem", TEXT_PROPS, Content::Inline),
    BlockSpec {
        name: "codeBlock",
        props: &[prop("language", Kind::String, PropDefault::Str("text"))],
        content: Content::Inline,
        code: true,
    },
    spec("quote", &[BACKGROUND_COLOR, TEXT_COLOR], Content::Inline),
    spec("table", &[TEXT_COLOR], Content::Table),
    spec("image", MEDIA_PROPS, Content::None),
    spec("video", MEDIA_PROPS, Content::None),
    spec(
        "audio",
        &[BACKGROUND_COLOR, NAME, URL, CAPTION, SHOW_PREVIEW],
        Content::None,
    ),
    spec(
        "file",
        &[BACKGROUND_COLOR, NAME, URL, CAPTION],
        Content::None,
    ),
    spec("divider", &[], Content::None),
];

/// Paca's inline contents (its web's `blocknote-schema.tsx`), all of them without content.
pub(super) static INLINE_CONTENTS: &[InlineSpec] = &[
    InlineSpec {
        name: "teamMention",
        props: &[
            prop("id", Kind::String, PropDefault::Str("")),
            prop("name", Kind::String, PropDefault::Str("Unknown")),
            prop("avatar", Kind::String, PropDefault::Undefined),
        ],
    },
    InlineSpec {
        name: "taskReference",
        props: &[
            prop("id", Kind::String, PropDefault::Str("")),
            prop("title", Kind::String, PropDefault::Str("Unknown")),
            prop("status", Kind::String, PropDefault::Str("open")),
        ],
    },
    InlineSpec {
        name: "docReference",
        props: &[
            prop("id", Kind::String, PropDefault::Str("")),
            prop("title", Kind::String, PropDefault::Str("Unknown")),
        ],
    },
];

/// The styles, in ProseMirror's mark order.
pub(super) static STYLES: &[(&str, StyleKind)] = &[
    ("bold", StyleKind::Boolean),
    ("italic", StyleKind::Boolean),
    ("underline", StyleKind::Boolean),
    ("strike", StyleKind::Boolean),
    ("code", StyleKind::Boolean),
    ("textColor", StyleKind::String),
    ("backgroundColor", StyleKind::String),
];

/// The mark a link is: its runs carry `link: {href}`.
pub(super) const LINK: &str = "link";

/// Marks the ProseMirror schema has that are not styles (BlockNote's suggestion marks). Text
/// carrying them is kept; the marks are not part of BlockNote JSON.
pub(super) static OTHER_MARKS: &[&str] = &["insertion", "deletion", "modification"];

/// The props of a table cell (`tableCell` and `tableHeader`), besides `colwidth`.
pub(super) static TABLE_CELL_PROPS: &[Prop] = &[
    TEXT_COLOR,
    BACKGROUND_COLOR,
    TEXT_ALIGNMENT,
    prop("colspan", Kind::Number, PropDefault::Int(1)),
    prop("rowspan", Kind::Number, PropDefault::Int(1)),
];

/// The structural nodes (not block types) of the ProseMirror schema.
pub(super) const DOC_GROUP: &str = "blockGroup";
pub(super) const CONTAINER: &str = "blockContainer";
pub(super) const HARD_BREAK: &str = "hardBreak";
pub(super) const TABLE_ROW: &str = "tableRow";
pub(super) const TABLE_CELL: &str = "tableCell";
pub(super) const TABLE_HEADER: &str = "tableHeader";
pub(super) const TABLE_PARAGRAPH: &str = "tableParagraph";

pub(super) fn block(name: &str) -> Option<&'static BlockSpec> {
    BLOCKS.iter().find(|b| b.name == name)
}

pub(super) fn inline_content(name: &str) -> Option<&'static InlineSpec> {
    INLINE_CONTENTS.iter().find(|i| i.name == name)
}

pub(super) fn style(name: &str) -> Option<(&'static str, StyleKind)> {
    STYLES.iter().find(|(n, _)| *n == name).copied()
}

/// Whether y-prosemirror can make a ProseMirror node of an element with this name; it drops
/// (and deletes) any other element.
pub(super) fn is_node(name: &str) -> bool {
    block(name).is_some()
        || inline_content(name).is_some()
        || [
            "doc",
            DOC_GROUP,
            CONTAINER,
            HARD_BREAK,
            TABLE_ROW,
            TABLE_CELL,
            TABLE_HEADER,
            TABLE_PARAGRAPH,
        ]
        .contains(&name)
}

/// Whether ProseMirror knows a mark of this name (y-prosemirror drops a text run with another).
pub(super) fn is_mark(name: &str) -> bool {
    name == LINK || style(name).is_some() || OTHER_MARKS.contains(&name)
}
