//! Spreadsheets: XLSX and XLSB are read cell by cell (`calamine`'s cell readers), ODS by our
//! own walk over its XML, so only the cells that exist are ever held: a sheet with one cell at
//! A1 and one at XFD1048576 is two cells, never a rectangle of seventeen billion. XLS (BIFF)
//! is read by `calamine` whole; its rows and columns are 16-bit, and the parse child's memory
//! limit bounds what is left.

use std::{collections::BTreeMap, io::Cursor};

use calamine::{Data, Reader};
use quick_xml::events::{BytesStart, Event};

use super::{
    Budget, MAX_SHEETS, ParseError, Segment, labelled_row,
    office::{open_package, part, push_reference},
};

/// A repeated ODS row or cell with content is written out at most this many times.
const MAX_REPEAT: u64 = 100;

pub(super) fn spreadsheet(bytes: &[u8], budget: &mut Budget) -> Result<Vec<Segment>, ParseError> {
    if !bytes.starts_with(b"PK") {
        return xls(bytes, budget);
    }
    let mut package = open_package(bytes, "spreadsheet", budget)?;
    if let Some(content) = part(&mut package, "content.xml")? {
        return ods(&content, budget);
    }
    let binary = package.by_name("xl/workbook.bin").is_ok();
    drop(package);
    let unreadable = |e: &dyn std::fmt::Display| format!("The spreadsheet could not be read: {e}.");
    // XLSB and XLSX have the same cell-reader API on different types (no shared trait).
    macro_rules! cell_by_cell {
        ($book:expr) => {{
            let mut book = $book.map_err(|e| unreadable(&e))?;
            let mut segments = Vec::new();
            for name in sheet_names(book.sheet_names())? {
                let mut sheet = SheetText::default();
                let mut cells = book.worksheet_cells_reader(&name).map_err(|e| unreadable(&e))?;
                while let Some(cell) = cells.next_cell().map_err(|e| unreadable(&e))? {
                    let (row, col) = cell.get_position();
                    let value = Data::from(cell.get_value().clone()).to_string();
                    sheet.push(row.into(), col.into(), value, budget)?;
                }
                segments.push(sheet.finish(name, budget)?);
            }
            Ok(segments)
        }};
    }
    if binary {
        cell_by_cell!(calamine::Xlsb::new(Cursor::new(bytes)))
    } else {
        cell_by_cell!(calamine::Xlsx::new(Cursor::new(bytes)))
    }
}

fn sheet_names(names: Vec<String>) -> Result<Vec<String>, ParseError> {
    if names.len() > MAX_SHEETS {
        return Err(format!(
            "The spreadsheet has {} sheets, more than the 1,000 a workbook may have.",
            names.len()
        ));
    }
    Ok(names)
}

fn xls(bytes: &[u8], budget: &mut Budget) -> Result<Vec<Segment>, ParseError> {
    let mut book =
        calamine::Xls::new(Cursor::new(bytes)).map_err(|e| format!("The spreadsheet could not be read: {e}."))?;
    let mut segments = Vec::new();
    for name in sheet_names(book.sheet_names())? {
        let Ok(range) = book.worksheet_range(&name) else {
            continue;
        };
        let mut sheet = SheetText::default();
        for (row, col, value) in range.used_cells() {
            sheet.push(row as u64, col as u64, value.to_string(), budget)?;
        }
        segments.push(sheet.finish(name, budget)?);
    }
    Ok(segments)
}

/// The text of one sheet, built row by row from the cells that exist: the first row with
/// content is the header, every later row is labelled with it.
#[derive(Default)]
struct SheetText {
    header: Option<BTreeMap<u64, String>>,
    row: Option<u64>,
    cells: Vec<(u64, String)>,
    text: String,
}

impl SheetText {
    fn push(&mut self, row: u64, col: u64, value: String, budget: &mut Budget) -> Result<(), ParseError> {
        budget.cell()?;
        if self.row != Some(row) {
            self.end_row(budget)?;
            self.row = Some(row);
        }
        if !value.trim().is_empty() {
            self.cells.push((col, value));
        }
        Ok(())
    }

    fn end_row(&mut self, budget: &mut Budget) -> Result<(), ParseError> {
        if self.cells.is_empty() {
            return Ok(());
        }
        let mut cells = std::mem::take(&mut self.cells);
        cells.sort_by_key(|(col, _)| *col);
        let line = match &self.header {
            None => {
                let line = format!(
                    "{}\n",
                    cells.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>().join(" | ")
                );
                self.header = Some(cells.into_iter().collect());
                line
            }
            Some(header) => labelled_row(
                |i| header.get(&(i as u64)).map(String::as_str),
                cells.into_iter().map(|(col, v)| (col as usize, v)),
            ),
        };
        budget.text(line.len())?;
        self.text.push_str(&line);
        Ok(())
    }

    fn finish(mut self, name: String, budget: &mut Budget) -> Result<Segment, ParseError> {
        self.end_row(budget)?;
        Ok(Segment {
            page: None,
            section: Some(name),
            text: self.text,
        })
    }
}

/// An ODS attribute as a number (repeat counts), 1 when absent or unreadable.
fn repeat(e: &BytesStart<'_>, name: &str) -> u64 {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| a.value.parse().ok())
        .unwrap_or(1)
        .max(1)
}

/// The sheets of an ODS `content.xml`. Repeated empty rows and cells only move the position;
/// repeated ones with content are written out at most [`MAX_REPEAT`] times.
fn ods(xml: &str, budget: &mut Budget) -> Result<Vec<Segment>, ParseError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut segments = Vec::new();
    let mut sheet: Option<(String, SheetText)> = None;
    let (mut row, mut col, mut rows_repeated) = (0u64, 0u64, 1u64);
    let mut row_cells: Vec<(u64, String)> = Vec::new();
    let mut cell: Option<(u64, String)> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                "table" => {
                    if segments.len() >= MAX_SHEETS {
                        return Err("The spreadsheet has more than the 1,000 sheets a workbook may have.".into());
                    }
                    let name = e
                        .try_get_attribute("table:name")
                        .ok()
                        .flatten()
                        .map(|a| a.value.into_owned())
                        .unwrap_or_else(|| format!("Sheet{}", segments.len() + 1));
                    sheet = Some((name, SheetText::default()));
                    row = 0;
                }
                "table-row" => {
                    rows_repeated = repeat(&e, "table:number-rows-repeated");
                    col = 0;
                    row_cells.clear();
                }
                "table-cell" | "covered-table-cell" => {
                    cell = Some((repeat(&e, "table:number-columns-repeated"), String::new()));
                }
                "p" => {
                    if let Some((_, text)) = cell.as_mut()
                        && !text.is_empty()
                    {
                        text.push('\n');
                    }
                }
                _ => {}
            },
            Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                "table-row" => row = row.saturating_add(repeat(&e, "table:number-rows-repeated")),
                "table-cell" | "covered-table-cell" => {
                    col = col.saturating_add(repeat(&e, "table:number-columns-repeated"));
                }
                "s" | "tab" | "line-break" => {
                    if let Some((_, text)) = cell.as_mut() {
                        text.push(' ');
                    }
                }
                _ => {}
            },
            Ok(Event::Text(t)) => {
                if let Some((_, text)) = cell.as_mut() {
                    let t = t.xml10_content();
                    budget.text(t.len())?;
                    text.push_str(&t);
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some((_, text)) = cell.as_mut() {
                    push_reference(text, &r);
                }
            }
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                "table-cell" | "covered-table-cell" => {
                    if let Some((repeated, text)) = cell.take() {
                        if !text.trim().is_empty() {
                            for k in 0..repeated.min(MAX_REPEAT) {
                                row_cells.push((col.saturating_add(k), text.clone()));
                            }
                        }
                        col = col.saturating_add(repeated);
                    }
                }
                "table-row" => {
                    if let Some((_, sheet)) = sheet.as_mut()
                        && !row_cells.is_empty()
                    {
                        for k in 0..rows_repeated.min(MAX_REPEAT) {
                            for (c, text) in &row_cells {
                                sheet.push(row.saturating_add(k), *c, text.clone(), budget)?;
                            }
                        }
                    }
                    row = row.saturating_add(rows_repeated);
                }
                "table" => {
                    if let Some((name, text)) = sheet.take() {
                        segments.push(text.finish(name, budget)?);
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) => break,
            Err(_) => return Err("The spreadsheet's XML is malformed.".into()),
            _ => {}
        }
    }
    Ok(segments)
}
