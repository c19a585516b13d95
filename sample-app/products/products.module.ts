import { Module } from '@nestjs/common';
import { ReportService } from '../reports/report.service.js';
import { ProductsController } from './products.controller.js';
import { ProductsService } from './products.service.js';

@Module({ controllers: [ProductsController], providers: [ProductsService, ReportService], exports: [ProductsService] })
export class ProductsModule {}
