// profile.schema: the JSON Schema every profile is validated with.
import { ProfileSchema } from '@nono/shared';
import type { MethodHandler } from './method-handler.js';

export const profileSchema: MethodHandler<'profile.schema'> = async () => ProfileSchema;
