// The GraphQL API builder against a small schema with every kind of field (String, Bytes, BigInt, Int,
// Boolean, enum, reference, list of references, @derivedFrom) and rows in real PGlite: graph-node's
// filter operators, nested filters, sorting (numeric, child fields), list-field arguments and argument
// errors, as graph-node answers them.

import { graphql } from "graphql/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EntityChange } from "../src/runtime/cache.js";
import { parseSchemaModel } from "../src/schema/model.js";
import { apiSchemaSdl } from "../src/server/api-schema.js";
import { createExecutableSchema } from "../src/server/executable-schema.js";
import { EntityDatabase } from "../src/store/entities.js";
import { openSqlClient } from "../src/store/sql.js";

const SCHEMA = `
enum Color {
  RED
  GREEN
}
type Owner @entity(immutable: false) {
  id: ID!
  name: String!
  wallet: Bytes!
  pets: [Pet!]! @derivedFrom(field: "owner")
  favourites: [Pet!]!
}
type Pet @entity(immutable: false) {
  id: ID!
  name: String!
  weight: BigInt!
  age: Int!
  vaccinated: Boolean!
  color: Color!
  owner: Owner!
  tags: [String!]!
  chip: Bytes
}
`;

const model = parseSchemaModel(SCHEMA);
let sql: Awaited<ReturnType<typeof openSqlClient>>;
let run: (query: string) => Promise<{ data?: Record<string, unknown> | null; errors?: readonly { message: string }[] }>;

const owner = (id: string, name: string, wallet: string, favourites: string[]) => ({ id, name, wallet, favourites });
const pet = (
  id: string,
  p: {
    name: string;
    weight: string;
    age: number;
    vaccinated: boolean;
    color: string;
    owner: string;
    tags: string[];
    chip?: string;
  },
) => ({
  id,
  ...p,
});

async function write(block: bigint, rows: Array<[string, Record<string, string | number | boolean | string[]>]>) {
  const db = await EntityDatabase.open({ sql, model, fingerprint: "api", reset: false });
  const changes: EntityChange[] = rows.map(([entity, after]) => ({
    entity,
    id: String(after.id),
    before: null,
    after,
  }));
  const hash = `0x${block.toString(16).padStart(64, "0")}`;
  await sql.transaction((tx) =>
    db.applyChanges(tx, { chainId: 1, block, hash, timestamp: 1_700_000_000n + block }, changes),
  );
}

beforeAll(async () => {
  sql = await openSqlClient({ kind: "memory" });
  await EntityDatabase.open({ sql, model, fingerprint: "api", reset: false });
  await write(10n, [
    ["Owner", owner("alice", "Alice", "0x00aa11", ["p2", "p1"])],
    ["Owner", owner("bob", "Bob", "0x00bb22", [])],
  ]);
  await write(20n, [
    [
      "Pet",
      pet("p1", {
        name: "Rex",
        weight: "100",
        age: 7,
        vaccinated: true,
        color: "RED",
        owner: "alice",
        tags: ["dog", "big"],
        chip: "0xdeadbeef",
      }),
    ],
    [
      "Pet",
      pet("p2", {
        name: "rexette",
        weight: "9",
        age: 2,
        vaccinated: false,
        color: "GREEN",
        owner: "alice",
        tags: ["dog"],
      }),
    ],
    [
      "Pet",
      pet("p3", {
        name: "Tom",
        weight: "10",
        age: 12,
        vaccinated: true,
        color: "GREEN",
        owner: "bob",
        tags: ["cat"],
        chip: "0x00ff",
      }),
    ],
  ]);
  const schema = createExecutableSchema({
    model,
    db: sql,
    status: async () => ({
      block: { number: 20n, hash: null, timestamp: null },
      deployment: "test",
      hasIndexingErrors: false,
    }),
  });
  run = (query) => graphql({ schema, source: query, contextValue: {} });
});

afterAll(async () => {
  await sql?.close();
});

async function ids(query: string): Promise<string[]> {
  const r = await run(query);
  if (r.errors) throw new Error(r.errors.map((e) => e.message).join("; "));
  const list = Object.values(r.data ?? {})[0] as Array<{ id: string }>;
  return list.map((x) => x.id);
}

describe("the generated API schema", () => {
  it("has graph-node's query fields, filter inputs, sort enums and list-field arguments", () => {
    const sdl = apiSchemaSdl(model);
    expect(sdl).toContain(
      "pets(skip: Int = 0, first: Int = 100, orderBy: Pet_orderBy, orderDirection: OrderDirection, where: Pet_filter, block: Block_height, subgraphError: _SubgraphErrorPolicy_! = deny): [Pet!]!",
    );
    expect(sdl).toContain("owner(id: ID!, block: Block_height, subgraphError: _SubgraphErrorPolicy_! = deny): Owner");
    for (const f of [
      "name_contains_nocase: String",
      "weight_gt: BigInt",
      "weight_in: [BigInt!]",
      "owner_: Owner_filter",
      "chip_contains: Bytes",
      "tags_contains: [String!]",
      "color_not_in: [Color!]",
      "_change_block: BlockChangedFilter",
      "and: [Pet_filter]",
    ]) {
      expect(sdl).toContain(`  ${f}\n`);
    }
    expect(sdl).toContain("pets_: Pet_filter");
    expect(sdl).toMatch(/enum Pet_orderBy \{[^}]*owner__name[^}]*\}/);
    expect(sdl).toContain(
      "favourites(skip: Int = 0, first: Int = 100, orderBy: Pet_orderBy, orderDirection: OrderDirection, where: Pet_filter): [Pet!]!",
    );
  });
});

describe("filters", () => {
  it("match strings with graph-node's operators", async () => {
    expect(await ids('{ pets(where: { name_contains: "ex" }) { id } }')).toEqual(["p1", "p2"]);
    expect(await ids('{ pets(where: { name_contains_nocase: "REX" }) { id } }')).toEqual(["p1", "p2"]);
    expect(await ids('{ pets(where: { name_not_contains: "ex" }) { id } }')).toEqual(["p3"]);
    expect(await ids('{ pets(where: { name_starts_with: "Re" }) { id } }')).toEqual(["p1"]);
    expect(await ids('{ pets(where: { name_starts_with_nocase: "re" }) { id } }')).toEqual(["p1", "p2"]);
    expect(await ids('{ pets(where: { name_ends_with: "tte" }) { id } }')).toEqual(["p2"]);
    expect(await ids('{ pets(where: { name_not_ends_with_nocase: "TTE" }) { id } }')).toEqual(["p1", "p3"]);
    expect(await ids('{ pets(where: { name_gt: "Tom" }) { id } }')).toEqual(["p2"]);
  });

  it("compare numbers as numbers, and sets, booleans, enums and nulls", async () => {
    expect(await ids('{ pets(where: { weight_gt: "9", weight_lte: "100" }) { id } }')).toEqual(["p1", "p3"]);
    expect(await ids('{ pets(where: { weight_in: ["9", "100"] }) { id } }')).toEqual(["p1", "p2"]);
    expect(await ids("{ pets(where: { age_not_in: [2, 12] }) { id } }")).toEqual(["p1"]);
    expect(await ids("{ pets(where: { vaccinated: false }) { id } }")).toEqual(["p2"]);
    expect(await ids("{ pets(where: { color: GREEN, age_gte: 10 }) { id } }")).toEqual(["p3"]);
    expect(await ids("{ pets(where: { chip: null }) { id } }")).toEqual(["p2"]);
    expect(await ids("{ pets(where: { chip_not: null }) { id } }")).toEqual(["p1", "p3"]);
  });

  it("match bytes byte-wise and without regard to the hex digits' case", async () => {
    expect(await ids('{ pets(where: { chip_contains: "0xADBE" }) { id } }')).toEqual(["p1"]);
    expect(await ids('{ pets(where: { chip_contains: "0x0f" }) { id } }')).toEqual([]);
    expect(await ids('{ owners(where: { wallet: "0x00AA11" }) { id } }')).toEqual(["alice"]);
  });

  it("combine with and/or, filter lists, and nest into references and derived fields", async () => {
    expect(
      await ids('{ pets(where: { or: [{ age: 2 }, { and: [{ color: GREEN }, { name: "Tom" }] }] }) { id } }'),
    ).toEqual(["p2", "p3"]);
    expect(await ids('{ pets(where: { tags_contains: ["dog"] }) { id } }')).toEqual(["p1", "p2"]);
    expect(await ids('{ pets(where: { tags_not_contains: ["dog"] }) { id } }')).toEqual(["p3"]);
    expect(await ids('{ pets(where: { tags_contains_nocase: ["BIG"] }) { id } }')).toEqual(["p1"]);
    expect(await ids('{ pets(where: { owner_: { name: "Bob" } }) { id } }')).toEqual(["p3"]);
    expect(await ids("{ owners(where: { pets_: { age_gt: 5, vaccinated: true } }) { id } }")).toEqual(["alice", "bob"]);
    expect(await ids("{ owners(where: { pets_: { age_lt: 5 } }) { id } }")).toEqual(["alice"]);
    expect(await ids('{ owners(where: { favourites_: { name: "rexette" } }) { id } }')).toEqual(["alice"]);
    expect(await ids('{ owners(where: { favourites_contains: ["p1"] }) { id } }')).toEqual(["alice"]);
  });

  it("select entities changed since a block (_change_block)", async () => {
    expect(await ids("{ owners(where: { _change_block: { number_gte: 15 } }) { id } }")).toEqual([]);
    expect(await ids("{ pets(where: { _change_block: { number_gte: 15 } }) { id } }")).toEqual(["p1", "p2", "p3"]);
  });
});

describe("sorting, paging and relations", () => {
  it("sorts BigInts numerically and by a child's field, with id as the tie-breaker", async () => {
    expect(await ids("{ pets(orderBy: weight) { id } }")).toEqual(["p2", "p3", "p1"]);
    expect(await ids("{ pets(orderBy: weight, orderDirection: desc, first: 2) { id } }")).toEqual(["p1", "p3"]);
    expect(await ids("{ pets(orderBy: owner__name, orderDirection: desc) { id } }")).toEqual(["p3", "p2", "p1"]);
    expect(await ids("{ pets(orderBy: weight, skip: 1, first: 1) { id } }")).toEqual(["p3"]);
  });

  it("resolves references, derived fields and lists of references with their own arguments", async () => {
    const r = await run(`{ owner(id: "alice") {
      name
      pets(orderBy: age, orderDirection: desc) { id owner { name } }
      favourites(orderBy: weight) { id weight }
      young: pets(where: { age_lt: 5 }) { id }
    } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data?.owner).toEqual({
      name: "Alice",
      pets: [
        { id: "p1", owner: { name: "Alice" } },
        { id: "p2", owner: { name: "Alice" } },
      ],
      favourites: [
        { id: "p2", weight: "9" },
        { id: "p1", weight: "100" },
      ],
      young: [{ id: "p2" }],
    });
    expect((await run('{ owner(id: "nobody") { id } }')).data?.owner).toBeNull();
  });
});

describe("argument errors", () => {
  it("explain what is wrong, as graph-node would", async () => {
    const messages = async (q: string) => ((await run(q)).errors ?? []).map((e) => e.message).join("; ");
    expect(await messages("{ pets(first: 1001) { id } }")).toBe(
      "The `first` argument must be between 0 and 1000, but is 1001",
    );
    expect(await messages("{ pets(skip: -1) { id } }")).toMatch(/`skip` argument must be between 0 and 5000/);
    expect(await messages('{ pets(where: { weight_gt: "ten" }) { id } }')).toMatch(/not a valid BigInt/);
    expect(await messages('{ pets(where: { chip: "xyz" }) { id } }')).toMatch(/not a valid Bytes/);
    expect(await messages("{ pets(orderBy: tags) { id } }")).toMatch(/cannot sort Pet by the list field tags/);
    expect(await messages("{ pets(where: { weight_gt: null }) { id } }")).toMatch(
      /null is only allowed with equality filters/,
    );
  });
});
