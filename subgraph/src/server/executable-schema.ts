// The executable GraphQL schema of the local endpoint: graph-node's API schema (api-schema.ts) with
// resolvers that read the entity tables (sql-query.ts). References resolve per request through a small
// cache; list fields and @derivedFrom fields take the same arguments as top-level lists.
import type { SqlExecutor } from "@zk-vin/chain-kit";
import {
  buildSchema,
  GraphQLError,
  type GraphQLFieldResolver,
  GraphQLObjectType,
  GraphQLScalarType,
  type GraphQLSchema,
  Kind,
  type ValueNode,
} from "../graphql-js.js";
import type { EntityDef, FieldDef, SchemaModel } from "../schema/model.js";
import { rowToRecord } from "../store/entities.js";
import { apiSchemaSdl } from "./api-schema.js";
import { pluralField, singularField } from "./naming.js";
import {
  type BlockAt,
  buildByIdQuery,
  buildListQuery,
  type ListArgs,
  QueryArgumentError,
  type SqlQuery,
} from "./sql-query.js";
import type { ChainIndexingState, StatusBlock } from "./status.js";

/** What `_meta` reports and what `block` / `subgraphError` arguments are checked against. */
export interface IndexStatus {
  /** The newest block of the hub chain the tables include (null before the first batch). */
  block: { number: bigint; hash: string | null; timestamp: bigint | null; parentHash?: string | null } | null;
  deployment: string;
  hasIndexingErrors: boolean;
}

export interface ExecutableSchemaOptions {
  model: SchemaModel;
  db: SqlExecutor;
  status: () => Promise<IndexStatus>;
  /**
   * The hub block a time-travel argument (`block: {number}` / `{hash}`) names; throws a GraphQLError
   * when the index has not reached it or does not know it. Without it, time travel is refused.
   */
  resolveBlock?: (block: { number?: number; hash?: string }) => Promise<BlockAt>;
  /** Per-chain status for `_meta { chains }` (asked only when a query selects it). */
  chains?: () => Promise<ChainIndexingState[]>;
}

type Row = Record<string, unknown>;
/** The block a row was read at (time travel): its relations are resolved at the same block. */
const AT = Symbol("zkvin.blockAt");
type AtRow = Row & { [AT]?: BlockAt };

function tag(rows: Row[], at: BlockAt | undefined): Row[] {
  if (at) for (const r of rows) Object.defineProperty(r, AT, { value: at, enumerable: false });
  return rows;
}
interface RequestContext {
  byId?: Map<string, Promise<Row | null>>;
}

function clientError(error: unknown): never {
  if (error instanceof QueryArgumentError)
    throw new GraphQLError(error.message, { extensions: { code: "BAD_ARGUMENT" } });
  throw error;
}

function parseBigIntLiteral(ast: ValueNode): string {
  if (ast.kind === Kind.STRING || ast.kind === Kind.INT) return ast.value;
  throw new GraphQLError("BigInt must be a string or an integer");
}

function scalar(name: string, check: (v: string) => boolean, literal: (ast: ValueNode) => string): GraphQLScalarType {
  const parse = (v: unknown): string => {
    const s = typeof v === "number" && Number.isInteger(v) ? String(v) : v;
    if (typeof s !== "string" || !check(s)) throw new GraphQLError(`${JSON.stringify(v)} is not a valid ${name}`);
    return s;
  };
  return new GraphQLScalarType({
    name,
    serialize: (v) => String(v),
    parseValue: parse,
    parseLiteral: (ast) => parse(literal(ast)),
  });
}

const SCALAR_IMPLEMENTATIONS: Record<string, GraphQLScalarType> = {
  BigInt: scalar("BigInt", (s) => /^-?[0-9]+$/.test(s), parseBigIntLiteral),
  BigDecimal: scalar("BigDecimal", (s) => /^-?[0-9]+(\.[0-9]+)?$/.test(s), parseBigIntLiteral),
  Int8: scalar("Int8", (s) => /^-?[0-9]+$/.test(s), parseBigIntLiteral),
  Timestamp: scalar("Timestamp", (s) => /^[0-9]+$/.test(s), parseBigIntLiteral),
  Bytes: scalar(
    "Bytes",
    (s) => /^0x([0-9a-fA-F]{2})*$/.test(s),
    (ast) => {
      if (ast.kind !== Kind.STRING) throw new GraphQLError("Bytes must be a hex string");
      return ast.value;
    },
  ),
};

export function createExecutableSchema(options: ExecutableSchemaOptions): GraphQLSchema {
  const { model, db } = options;
  const schema = buildSchema(apiSchemaSdl(model));

  for (const [name, impl] of Object.entries(SCALAR_IMPLEMENTATIONS)) {
    const type = schema.getType(name);
    if (type instanceof GraphQLScalarType) {
      type.serialize = impl.serialize;
      type.parseValue = impl.parseValue;
      type.parseLiteral = impl.parseLiteral;
    }
  }

  const run = async (entity: EntityDef, q: SqlQuery, at?: BlockAt): Promise<Row[]> => {
    const rows = await db.query(q.text, q.params);
    return tag(
      rows.map((r) => rowToRecord(entity, r)),
      at,
    );
  };

  const loadById = (entity: EntityDef, id: string, ctx: RequestContext, at?: BlockAt): Promise<Row | null> => {
    ctx.byId ??= new Map();
    const key = `${entity.name}:${id}:${at ? `${at.number}` : "latest"}`;
    let p = ctx.byId.get(key);
    if (!p) {
      p = run(entity, buildByIdQuery(entity, id, at), at).then((rows) => rows[0] ?? null);
      ctx.byId.set(key, p);
    }
    return p;
  };

  const checkTopLevel = async (args: {
    block?: { number?: number; hash?: string; number_gte?: number } | null;
    subgraphError?: string;
  }): Promise<IndexStatus & { at?: BlockAt }> => {
    const status = await options.status();
    if (args.subgraphError !== "allow" && status.hasIndexingErrors) {
      throw new GraphQLError("indexing_error", { extensions: { code: "INDEXING_ERROR" } });
    }
    const block = args.block;
    if (!block) return status;
    const number = block.number ?? undefined;
    const hash = block.hash ?? undefined;
    if (number !== undefined || hash !== undefined) {
      if (!options.resolveBlock) {
        throw new GraphQLError("time-travel queries (block: {number} / {hash}) are not supported by this endpoint");
      }
      return { ...status, at: await options.resolveBlock({ number, hash }) };
    }
    if (block.number_gte !== undefined && block.number_gte !== null) {
      const have = status.block?.number ?? -1n;
      if (have < BigInt(block.number_gte)) {
        throw new GraphQLError(
          `the local index has only reached block ${have} and data for block ${block.number_gte} is not yet available`,
        );
      }
    }
    return status;
  };

  const queryType = schema.getQueryType() as GraphQLObjectType;
  const queryFields = queryType.getFields();
  for (const entity of model.entities.values()) {
    const single = queryFields[singularField(entity.name)];
    const list = queryFields[pluralField(entity.name)];
    if (single) {
      single.resolve = (async (
        _root,
        args: { id: string; block?: { number?: number; hash?: string } | null; subgraphError?: string },
        ctx: RequestContext,
      ) => {
        const { at } = await checkTopLevel(args);
        return loadById(entity, args.id, ctx, at);
      }) as GraphQLFieldResolver<unknown, RequestContext>;
    }
    if (list) {
      list.resolve = (async (
        _root,
        args: ListArgs & { block?: { number?: number; hash?: string } | null; subgraphError?: string },
      ) => {
        const { at } = await checkTopLevel(args);
        try {
          return await run(entity, buildListQuery(model, entity, args, undefined, at), at);
        } catch (error) {
          clientError(error);
        }
      }) as GraphQLFieldResolver<unknown, RequestContext>;
    }
    const objectType = schema.getType(entity.name);
    if (objectType instanceof GraphQLObjectType) attachFieldResolvers(objectType, entity);
  }
  const meta = queryFields._meta;
  if (meta) {
    meta.resolve = async (_root, args: { block?: { number_gte?: number } | null }) => {
      const s = await checkTopLevel({ block: args.block ?? null, subgraphError: "allow" });
      return {
        block: {
          number: Number(s.block?.number ?? 0n),
          hash: s.block?.hash ?? null,
          timestamp: s.block?.timestamp === null || s.block?.timestamp === undefined ? null : Number(s.block.timestamp),
          parentHash: s.block?.parentHash ?? null,
        },
        deployment: s.deployment,
        hasIndexingErrors: s.hasIndexingErrors,
        chains: async () => ((await options.chains?.()) ?? []).map(chainMeta),
      };
    };
  }

  function attachFieldResolvers(objectType: GraphQLObjectType, entity: EntityDef): void {
    const fields = objectType.getFields();
    for (const f of entity.fields) {
      if (f.type.kind !== "entity") continue;
      const target = model.entities.get(f.type.entityName) as EntityDef;
      const gqlField = fields[f.name];
      if (gqlField) gqlField.resolve = referenceResolver(f, target);
    }
  }

  function referenceResolver(f: FieldDef, target: EntityDef): GraphQLFieldResolver<AtRow, RequestContext> {
    if (f.derivedFrom) {
      const back = target.fields.find((g) => g.name === f.derivedFrom) as FieldDef;
      if (!f.list) {
        return async (parent) => {
          const at = parent[AT];
          const rows = await run(
            target,
            buildListQuery(model, target, { first: 1 }, derivedScope(back, parent), at),
            at,
          );
          return rows[0] ?? null;
        };
      }
      return async (parent, args: ListArgs) => {
        const at = parent[AT];
        try {
          return await run(target, buildListQuery(model, target, args, derivedScope(back, parent), at), at);
        } catch (error) {
          clientError(error);
        }
      };
    }
    if (f.list) {
      return async (parent, args: ListArgs) => {
        const ids = (parent[f.name] as string[] | undefined) ?? [];
        const at = parent[AT];
        try {
          return await run(target, buildListQuery(model, target, args, { kind: "ids", ids }, at), at);
        } catch (error) {
          clientError(error);
        }
      };
    }
    return async (parent, _args, ctx) => {
      const id = parent[f.name];
      return typeof id === "string" ? loadById(target, id, ctx, parent[AT]) : null;
    };
  }

  return schema;
}

function derivedScope(back: FieldDef, parent: Row): { kind: "derived"; backField: FieldDef; parentId: string } {
  return { kind: "derived", backField: back, parentId: String(parent.id) };
}

function metaBlock(b: StatusBlock | { number: bigint; hash: string | null } | null) {
  if (!b) return null;
  const full = b as Partial<StatusBlock>;
  return {
    number: Number(b.number),
    hash: b.hash,
    timestamp: full.timestamp === null || full.timestamp === undefined ? null : Number(full.timestamp),
    parentHash: full.parentHash ?? null,
  };
}

/** A chain's status as `_meta { chains }` carries it. */
function chainMeta(c: ChainIndexingState) {
  return {
    network: c.network,
    chainId: c.chainId,
    earliestBlock: Number(c.earliestBlock.number),
    latestBlock: metaBlock(c.latestBlock),
    chainHeadBlock: metaBlock(c.chainHeadBlock),
    synced: c.synced,
    health: c.health,
    fatalError: c.fatalError && { ...c.fatalError, block: metaBlock(c.fatalError.block) },
    reorgs: c.reorgs,
  };
}
