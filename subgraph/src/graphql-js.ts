// graphql-js, loaded from its CommonJS entry on purpose. graphql 16 ships two builds (index.js and
// index.mjs); graphql-yoga loads the CommonJS one under Node, while a bundler-style resolver (vitest)
// would give this package the .mjs one, and two graphql instances reject each other's schemas ("Cannot
// use GraphQLSchema from another module or realm"). Importing the same file yoga imports avoids that.
export {
  buildSchema,
  type DocumentNode,
  type FieldDefinitionNode,
  GraphQLError,
  type GraphQLFieldResolver,
  GraphQLObjectType,
  GraphQLScalarType,
  type GraphQLSchema,
  Kind,
  parse,
  type TypeNode,
  type ValueNode,
} from "graphql/index.js";
