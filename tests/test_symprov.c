/*
 * The symbol-provider seam (symbols/provider.h): a list of sources is
 * asked in order, a source is opened only when its turn comes, lookups
 * stop at the first hit (or the first function when only functions will
 * do), the first source with unwind rules decides the step, and sources
 * without rules are never opened for one. Then the Breakpad provider on
 * a small .sym text: module offsets in, names, bounds and lines out.
 */
#include "check.h"
#include "symbols/breakpad.h"
#include "symbols/provider.h"

/* What the fakes were asked, in order: "o0" opened 0, "l1" looked up in 1,
 * "u2" unwound with 2. */
static char calls[256];

static void log_call(char what, size_t k)
{
    size_t n = strlen(calls);
    snprintf(calls + n, sizeof calls - n, "%s%c%zu", n ? " " : "", what, k);
}

/* A fake source: its index, whether it exists, and what it answers. */
typedef struct fake {
    size_t k;
    bool present;
    bool hit, function;   /* lookup */
    int unwind;           /* -1: no rules, 0: rules that fail, 1: rules that apply */
} fake;

static bool fake_lookup(const ds_symprov *p, uint64_t off, ds_symhit *out)
{
    const fake *f = p->src;
    log_call('l', f->k);
    if (!f->hit)
        return false;
    snprintf(out->name, sizeof out->name, "fake%zu", f->k);
    out->start = off - f->k;
    out->function = f->function;
    out->source = DS_SYM_BREAKPAD;
    return true;
}

static bool fake_unwind(const ds_symprov *p, ds_symstep *st, ds_context *caller)
{
    const fake *f = p->src;
    log_call('u', f->k);
    st->params = 8;
    if (f->unwind <= 0)
        return false;
    caller->pc = st->callee->pc + f->k;
    return true;
}

static const ds_symprov_ops with_rules = {"fake", NULL, fake_lookup, NULL, fake_unwind};
static const ds_symprov_ops without_rules = {"fake", NULL, fake_lookup, NULL, NULL};

static fake fakes[4];
static ds_symprov items[4];

static void fake_open(void *ctx, size_t k)
{
    (void)ctx;
    log_call('o', k);
    items[k].src = fakes[k].present ? &fakes[k] : NULL;
}

static ds_symprov_list setup(const fake *f, size_t n)
{
    calls[0] = '\0';
    for (size_t k = 0; k < n; k++) {
        fakes[k] = f[k];
        fakes[k].k = k;
        items[k] = (ds_symprov){.ops = f[k].unwind < 0 ? &without_rules : &with_rules};
    }
    return (ds_symprov_list){.items = items, .n = n, .open = fake_open};
}

static void test_lookup_order(void)
{
    /* 0 misses, 1 is absent, 2 names a public, 3 names a function */
    const fake f[4] = {{.present = true, .unwind = -1},
                       {.present = false, .hit = true, .function = true, .unwind = -1},
                       {.present = true, .hit = true, .unwind = -1},
                       {.present = true, .hit = true, .function = true, .unwind = -1}};
    ds_symprov_list l = setup(f, 4);
    ds_symhit h;
    size_t which = 99;
    CHECK(ds_symprov_find(&l, 0, 4, 0x100, false, &h, &which));
    CHECK_EQ_U64(which, 2);
    CHECK_STR(h.name, "fake2");
    CHECK_EQ_U64(h.start, 0x100 - 2);
    CHECK_STR(calls, "o0 l0 o1 o2 l2"); /* 3 is not opened: 2 answered */

    l = setup(f, 4);
    CHECK(ds_symprov_find(&l, 0, 4, 0x100, true, &h, &which));
    CHECK_EQ_U64(which, 3);
    CHECK(h.function);
    CHECK_STR(calls, "o0 l0 o1 o2 l2 o3 l3");

    /* a range: only the sources in it are asked */
    l = setup(f, 4);
    CHECK(!ds_symprov_find(&l, 0, 2, 0x100, false, &h, &which));
    CHECK_STR(calls, "o0 l0 o1");
    l = setup(f, 4);
    CHECK(ds_symprov_find(&l, 3, 4, 0x100, false, &h, NULL));
    CHECK_STR(calls, "o3 l3");
}

static void test_unwind_order(void)
{
    ds_context callee = {.pc = 0x1000}, caller = {0};
    ds_symstep st = {.callee = &callee, .params = 5};

    /* 0 has no rules (never opened), 1 is absent, 2 applies, 3 is not asked */
    const fake a[4] = {{.present = true, .unwind = -1},
                       {.present = false, .unwind = 1},
                       {.present = true, .unwind = 1},
                       {.present = true, .unwind = 1}};
    ds_symprov_list l = setup(a, 4);
    CHECK(ds_symprov_unwind(&l, &st, &caller));
    CHECK_EQ_U64(caller.pc, 0x1002);
    CHECK_EQ_U64(st.params, 8);
    CHECK_STR(calls, "o1 o2 u2");

    /* rules that fail decide too: the next source is not asked */
    const fake b[3] = {{.present = true, .unwind = 0},
                       {.present = true, .unwind = 1},
                       {.present = true, .unwind = -1}};
    l = setup(b, 3);
    CHECK(!ds_symprov_unwind(&l, &st, &caller));
    CHECK_STR(calls, "o0 u0");

    /* no source with rules: nothing opened, params cleared */
    const fake c[2] = {{.present = true, .unwind = -1}, {.present = false, .unwind = 1}};
    l = setup(c, 2);
    st.params = 5;
    CHECK(!ds_symprov_unwind(&l, &st, &caller));
    CHECK_EQ_U64(st.params, 0);
    CHECK_STR(calls, "o1");
}

static const char sym_text[] = "MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 app\n"
                               "FILE 0 src/a.c\n"
                               "FUNC 1000 20 0 work\n"
                               "1000 10 7 0\n"
                               "1010 10 9 0\n"
                               "PUBLIC 2000 0 entry\n";

static void test_breakpad_provider(void)
{
    ds_error err;
    ds_bpsym *b = ds_bpsym_open_memory(sym_text, strlen(sym_text), &err);
    CHECK(b != NULL);
    if (!b)
        return;
    ds_symprov p = {.ops = &ds_symprov_breakpad, .src = b, .base = 0x400000};
    ds_symprov_list l = {.items = &p, .n = 1};
    ds_symhit h;
    CHECK(ds_symprov_find(&l, 0, 1, 0x1014, false, &h, NULL));
    CHECK_STR(h.name, "work");
    CHECK_EQ_U64(h.start, 0x1000);
    CHECK(h.function);
    CHECK(h.source == DS_SYM_BREAKPAD);
    ds_srcloc loc;
    CHECK(ds_symprov_source(&p, 0x1014, &loc));
    CHECK(loc.n >= 1);
    if (loc.n >= 1) {
        CHECK_STR(loc.pos[loc.n - 1].file, "src/a.c");
        CHECK_EQ_U64(loc.pos[loc.n - 1].line, 9);
    }
    CHECK(ds_symprov_find(&l, 0, 1, 0x2004, false, &h, NULL));
    CHECK_STR(h.name, "entry");
    CHECK(!h.function);
    CHECK(!ds_symprov_find(&l, 0, 1, 0x2004, true, &h, NULL)); /* a PUBLIC bounds nothing */
    CHECK(!ds_symprov_find(&l, 0, 1, 0x10, false, &h, NULL));
    CHECK(ds_symprov_breakpad.identity == NULL); /* checked by the store before opening */
    ds_bpsym_close(b);
}

int main(void)
{
    test_lookup_order();
    test_unwind_order();
    test_breakpad_provider();
    return check_report("symprov");
}
