//! The officer list, kept in memory (server only).
//!
//! Forty thousand officers make a few megabytes: each server keeps them
//! sorted every way the list sorts, and answers a page (search, filters,
//! count, any page) without asking the database for more than one number.
//! That number is the `officer_list` counter of `change_counters`, which
//! triggers move on every write that could change what the list shows (an
//! officer's listed columns, a unit's code or name) in the same transaction
//! as the write, so no write path can forget it. A request that finds the
//! counter moved waits for the list to be read again: what someone has just
//! saved is on their next page, on every server.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sqlx::Row;

use super::{OfficerFilter, OfficerPage, OfficerRow, OfficerStatus, Rank, PAGE_SIZE};
use crate::error::{AppError, Field, Problem};
use crate::search::fold;
use crate::store::Db;

/// The sorts of the list, in the order of [`Snapshot::orders`].
const SORTS: [&str; 6] = ["name", "badge", "rank", "unit", "status", "hired"];

/// The officer list of one server: the latest snapshot read.
#[derive(Default)]
pub struct Directory {
    current: RwLock<Option<Arc<Snapshot>>>,
    /// One reading at a time; the others wait for it and share it.
    reading: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let version = self.cached().map(|s| s.version);
        f.debug_struct("Directory")
            .field("version", &version)
            .finish()
    }
}

/// The list as of one value of the counter.
pub struct Snapshot {
    version: i64,
    rows: Vec<Entry>,
    units: Vec<(String, String)>,
    /// Every row's search key, each followed by a newline: a search is one
    /// pass of a substring finder over this text.
    keys: String,
    /// Where each row's key starts in `keys`.
    key_starts: Vec<u32>,
    /// Each order of [`SORTS`]: the row numbers, and beside each what the
    /// filters test of it (see [`pack`]), so that a filter's pass over forty
    /// thousand rows reads memory in sequence.
    orders: [Vec<(u32, u32)>; 6],
}

/// Rank (bits 0–7), status (8–15) and unit (16–31) of a row.
fn pack(e: &Entry) -> u32 {
    u32::from(e.rank) | (u32::from(e.status) << 8) | (e.unit << 16)
}

struct Entry {
    badge_number: Box<str>,
    given_names: Box<str>,
    family_names: Box<str>,
    /// Index in [`Rank::ALL`] (the ladder).
    rank: u8,
    /// Index in [`OfficerStatus::ALL`].
    status: u8,
    hire_date: Box<str>,
    /// Index in [`Snapshot::units`].
    unit: u32,
}

impl Directory {
    fn cached(&self) -> Option<Arc<Snapshot>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The list as of now: the kept snapshot if the counter has not moved
    /// since it was read, otherwise a new one.
    pub async fn snapshot(&self, db: &Db) -> Result<Arc<Snapshot>, AppError> {
        let version = counter(db).await?;
        let fresh =
            |s: &Option<Arc<Snapshot>>| s.as_ref().filter(|s| s.version >= version).cloned();
        if let Some(s) = fresh(&self.cached()) {
            return Ok(s);
        }
        let _reading = self.reading.lock().await;
        // Someone else may have read it while this request waited.
        if let Some(s) = fresh(&self.cached()) {
            return Ok(s);
        }
        let started = std::time::Instant::now();
        let snapshot = Arc::new(Snapshot::read(db).await?);
        tracing::debug!(
            officers = snapshot.rows.len(),
            version = snapshot.version,
            ms = started.elapsed().as_millis() as u64,
            "officer list read"
        );
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(snapshot.clone());
        Ok(snapshot)
    }
}

/// The counter's value now.
async fn counter(db: &Db) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar("SELECT version FROM change_counters WHERE name = 'officer_list'")
            .fetch_one(db.pool())
            .await?,
    )
}

/// Shorter badge numbers first, then as text: the order of their numbers
/// (9999 before 10417).
fn badge_order(a: &str, b: &str) -> Ordering {
    (a.len(), a).cmp(&(b.len(), b))
}

impl Snapshot {
    /// Reads every officer. The counter is read first: a write that lands
    /// between the two reads is in the rows and moves the counter past the
    /// value kept, so the next request reads again (never a stale list).
    async fn read(db: &Db) -> Result<Snapshot, AppError> {
        let version = counter(db).await?;
        let fetched = sqlx::query(
            "SELECT o.badge_number, o.given_names, o.family_names, o.rank, o.status, o.hire_date, \
                    o.search_key, u.code, u.name \
             FROM officers o JOIN units u ON u.id = o.unit_id",
        )
        .fetch_all(db.pool())
        .await?;
        // Folding and sorting forty thousand rows is a tenth of a second of
        // CPU: off the async workers, which keep serving other pages.
        tokio::task::spawn_blocking(move || Snapshot::build(version, &fetched))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "reading the officer list failed");
                AppError::Internal
            })?
    }

    fn build(version: i64, fetched: &[sqlx::any::AnyRow]) -> Result<Snapshot, AppError> {
        let mut units: Vec<(String, String)> = Vec::new();
        let mut unit_index: HashMap<String, u32> = HashMap::new();
        let mut rows = Vec::with_capacity(fetched.len());
        let mut keys = String::new();
        let mut key_starts = Vec::with_capacity(fetched.len());
        // Names folded, for sorting only: Álvarez among the A's.
        let mut folded: Vec<(String, String)> = Vec::with_capacity(fetched.len());
        for r in fetched {
            let rank: String = r.try_get(3)?;
            let status: String = r.try_get(4)?;
            let key: String = r.try_get(6)?;
            let code: String = r.try_get(7)?;
            let unit = match unit_index.get(&code) {
                Some(&i) => i,
                None => {
                    let i = units.len() as u32;
                    units.push((code.clone(), r.try_get(8)?));
                    unit_index.insert(code, i);
                    i
                }
            };
            let given_names: String = r.try_get(1)?;
            let family_names: String = r.try_get(2)?;
            folded.push((fold(&family_names), fold(&given_names)));
            key_starts.push(keys.len() as u32);
            keys.push_str(&key);
            keys.push('\n');
            rows.push(Entry {
                badge_number: r.try_get::<String, _>(0)?.into(),
                given_names: given_names.into(),
                family_names: family_names.into(),
                // The schema's CHECKs allow nothing else; the last place
                // sorts anything unexpected to the end all the same.
                rank: Rank::from_stored(&rank)?.index() as u8,
                status: OfficerStatus::from_stored(&status)?.index() as u8,
                hire_date: r.try_get::<String, _>(5)?.into(),
                unit,
            });
        }
        let by = |cmp: &dyn Fn(usize, usize) -> Ordering| {
            let mut order: Vec<u32> = (0..rows.len() as u32).collect();
            order.sort_unstable_by(|&a, &b| cmp(a as usize, b as usize));
            order
                .into_iter()
                .map(|i| (i, pack(&rows[i as usize])))
                .collect::<Vec<_>>()
        };
        let badge = |a: usize, b: usize| badge_order(&rows[a].badge_number, &rows[b].badge_number);
        let name = |a: usize, b: usize| {
            folded[a]
                .cmp(&folded[b])
                .then_with(|| rows[a].family_names.cmp(&rows[b].family_names))
                .then_with(|| rows[a].given_names.cmp(&rows[b].given_names))
                .then_with(|| badge(a, b))
        };
        let status_name = |s: u8| OfficerStatus::ALL[s as usize].as_str();
        let orders = [
            by(&name),
            by(&badge),
            // Up the ladder, not alphabetically.
            by(&|a, b| rows[a].rank.cmp(&rows[b].rank).then_with(|| name(a, b))),
            by(&|a, b| {
                units[rows[a].unit as usize]
                    .0
                    .cmp(&units[rows[b].unit as usize].0)
                    .then_with(|| name(a, b))
            }),
            by(&|a, b| {
                status_name(rows[a].status)
                    .cmp(status_name(rows[b].status))
                    .then_with(|| name(a, b))
            }),
            by(&|a, b| {
                rows[a]
                    .hire_date
                    .cmp(&rows[b].hire_date)
                    .then_with(|| badge(a, b))
            }),
        ];
        Ok(Snapshot {
            version,
            rows,
            units,
            keys,
            key_starts,
            orders,
        })
    }

    /// The row whose key holds byte `at` of `keys`.
    fn row_at(&self, at: usize) -> usize {
        self.key_starts.partition_point(|&s| s as usize <= at) - 1
    }

    fn key(&self, row: usize) -> &str {
        let start = self.key_starts[row] as usize;
        let end = self
            .key_starts
            .get(row + 1)
            .map_or(self.keys.len(), |&e| e as usize);
        &self.keys[start..end]
    }

    /// Rows whose key holds every word (`None`: no search).
    fn search(&self, q: &str) -> Option<Vec<bool>> {
        let folded = fold(q.trim());
        let mut words: Vec<&str> = folded.split_whitespace().take(5).collect();
        if words.is_empty() {
            return None;
        }
        // The longest word is likely the rarest: it picks the candidates.
        words.sort_by_key(|w| std::cmp::Reverse(w.len()));
        let mut hit = vec![false; self.rows.len()];
        for at in memchr::memmem::find_iter(self.keys.as_bytes(), words[0].as_bytes()) {
            let row = self.row_at(at);
            if !hit[row] && words[1..].iter().all(|w| self.key(row).contains(w)) {
                hit[row] = true;
            }
        }
        Some(hit)
    }

    /// One page of the list, as [`OfficerFilter`] asks.
    /// How many officers each unit has, by the unit's code (a unit with
    /// none is absent).
    pub fn officers_per_unit(&self) -> HashMap<&str, i64> {
        let mut counts = vec![0i64; self.units.len()];
        for e in &self.rows {
            counts[e.unit as usize] += 1;
        }
        self.units
            .iter()
            .zip(counts)
            .map(|((code, _), n)| (code.as_str(), n))
            .collect()
    }

    pub fn page(&self, filter: &OfficerFilter) -> Result<OfficerPage, AppError> {
        let sort = filter.sort.as_deref().unwrap_or("");
        let sort = if sort.is_empty() { "name" } else { sort };
        let order = SORTS
            .iter()
            .position(|s| *s == sort)
            .ok_or_else(|| AppError::validation(Field::Sort, Problem::not_one_of(sort, &SORTS)))?;
        let rank = match filter.rank.as_deref().filter(|r| !r.is_empty()) {
            Some(r) => Some(Rank::parse(r).map(|r| r.index() as u8).ok_or_else(|| {
                AppError::validation(
                    Field::Rank,
                    Problem::NotARank {
                        given: r.to_string(),
                    },
                )
            })?),
            None => None,
        };
        let status = match filter.status.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(
                OfficerStatus::parse(s)
                    .map(|s| s.index() as u8)
                    .ok_or_else(|| {
                        AppError::validation(
                            Field::Status,
                            Problem::not_one_of(s, &OfficerStatus::codes()),
                        )
                    })?,
            ),
            None => None,
        };
        // A region's code takes in its stations (`13` → `13`, `13-01`, …).
        let units: Option<Vec<bool>> = filter
            .unit
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|wanted| {
                let station_prefix = format!("{wanted}-");
                self.units
                    .iter()
                    .map(|(code, _)| code == wanted || code.starts_with(&station_prefix))
                    .collect()
            });
        let hits = filter.q.as_deref().and_then(|q| self.search(q));
        let wanted = |&(i, a): &(u32, u32)| {
            let i = i as usize;
            rank.is_none_or(|r| a & 0xff == u32::from(r))
                && status.is_none_or(|s| (a >> 8) & 0xff == u32::from(s))
                && units.as_ref().is_none_or(|u| u[(a >> 16) as usize])
                && hits.as_ref().is_none_or(|h| h[i])
        };
        let order = &self.orders[order];
        let asked = filter.page.unwrap_or(1).max(1);
        let skip =
            |page: i64| (page - 1).saturating_mul(PAGE_SIZE).min(order.len() as i64) as usize;
        let unfiltered = rank.is_none() && status.is_none() && units.is_none() && hits.is_none();
        // One pass counts the matches and keeps the asked page's rows.
        let (total, mut shown) = if unfiltered {
            let from = skip(asked);
            (
                order.len(),
                order[from..]
                    .iter()
                    .take(PAGE_SIZE as usize)
                    .map(|&(i, _)| i)
                    .collect(),
            )
        } else {
            let from = skip(asked);
            let mut shown = Vec::with_capacity(PAGE_SIZE as usize);
            let mut total = 0;
            for entry in order {
                if wanted(entry) {
                    if total >= from && shown.len() < PAGE_SIZE as usize {
                        shown.push(entry.0);
                    }
                    total += 1;
                }
            }
            (total, shown)
        };
        let total = total as i64;
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        // Past the end: the last page (a second pass, for this rare case).
        let page = asked.min(pages);
        if page != asked {
            let from = skip(page);
            shown = order
                .iter()
                .filter(|e| wanted(e))
                .map(|&(i, _)| i)
                .skip(from)
                .take(PAGE_SIZE as usize)
                .collect();
        }
        let rows = shown
            .iter()
            .map(|&i| {
                let e = &self.rows[i as usize];
                let (unit_code, unit_name) = &self.units[e.unit as usize];
                OfficerRow {
                    badge_number: e.badge_number.to_string(),
                    given_names: e.given_names.to_string(),
                    family_names: e.family_names.to_string(),
                    rank: Rank::ALL[e.rank as usize],
                    status: OfficerStatus::ALL[e.status as usize],
                    unit_code: unit_code.clone(),
                    unit_name: unit_name.clone(),
                }
            })
            .collect();
        Ok(OfficerPage {
            rows,
            may_write: false,
            total,
            page,
            pages,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn badge_numbers_sort_as_numbers() {
        let mut b = vec!["10417", "9999", "0420", "420", "100"];
        b.sort_by(|x, y| badge_order(x, y));
        assert_eq!(b, vec!["100", "420", "0420", "9999", "10417"]);
    }
}
