//! `extends`: merged key by key, arrays replaced whole, chains, names not inherited.

use revshare::scenario::Scenario;

use crate::common::Workspace;

const PARENT: &str = r#"
name = "parent"
description = "the parent"
years = [2026, 2030]
paths = 5000
[revenue]
initial = 20.0
growth = { 2026 = 1.0, 2027 = 0.5 }
volatility = 0.2
[revenue_share]
rate = 0.2
cap = { dist = "uniform", low = 30, high = 40 }
[equity]
stake = 0.27
multiple = 30.0
[[equity.dilution]]
year = 2027
fraction = 0.1
[[equity.dilution]]
year = 2028
fraction = 0.1
"#;

#[test]
fn child_values_win_tables_merge_and_arrays_are_replaced() {
    let ws = Workspace::new();
    ws.file("base/parent.toml", PARENT);
    let child = ws.file(
        "child.toml",
        r#"
extends = "base/parent.toml"
[revenue]
volatility = 0.3
growth = { 2028 = 0.2 }
[revenue_share]
cap = { dist = "normal", mean = 35, sd = 2 }
[[equity.dilution]]
year = 2029
fraction = 0.2
"#,
    );
    let s = Scenario::load(&child).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.name, "child", "the name comes from the child's own file");
    assert_eq!(s.description, "the parent");
    assert_eq!(s.paths, 5000);
    assert_eq!(s.revenue.volatility, 0.3);
    assert_eq!(s.revenue.initial.mean(), 20.0);
    // By-year tables merge key by key.
    assert_eq!(s.revenue.growth.at(2026), 1.0);
    assert_eq!(s.revenue.growth.at(2027), 0.5);
    assert_eq!(s.revenue.growth.at(2028), 0.2);
    // A distribution replaces the parent's whole (no `low`/`high` left over).
    assert_eq!(s.revenue_share.cap.as_ref().unwrap().mean(), 35.0);
    // Arrays are replaced whole.
    let equity = s.equity.unwrap();
    assert_eq!(equity.dilution.len(), 1);
    assert_eq!(equity.dilution[0].year, 2029);
}

#[test]
fn chains_resolve_through_several_files() {
    let ws = Workspace::new();
    ws.file("a.toml", PARENT);
    ws.file("dir/b.toml", "extends = \"../a.toml\"\n[revenue_share]\nrate = 0.1\n");
    let c = ws.file("c.toml", "extends = \"dir/b.toml\"\nname = \"leaf\"\n[revenue_share]\ncap = 12.0\n");
    let s = Scenario::load(&c).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.name, "leaf");
    assert_eq!(s.revenue_share.rate.at(2026), 0.1);
    assert_eq!(s.revenue_share.cap.as_ref().unwrap().mean(), 12.0);
    assert_eq!(s.sources.len(), 3);
    assert!(s.sources.iter().all(|f| f.sha256.len() == 64));
}

#[test]
fn shipped_bull_extends_the_amended_terms() {
    let s = Scenario::load(&crate::common::repo().join("scenarios/bull.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.name, "bull");
    assert_eq!(s.revenue_share.cap.as_ref().unwrap().mean(), 38.0);
    assert_eq!(s.revenue.growth.at(2027), 1.12);
    assert_eq!(s.sources.len(), 3);
}
